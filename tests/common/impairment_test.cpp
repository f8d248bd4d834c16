// The shared network impairment (common/impairment.hpp): seeded determinism, loss and
// duplication rates within binomial bounds, reordering, the bottleneck.

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "common/impairment.hpp"

using namespace std::chrono_literals;
using gs::impair::Impairment;
using gs::impair::Settings;
using gs::impair::Time;
using gs::impair::Verdict;

namespace {

std::vector<Verdict> run(const Settings& s, std::uint64_t seed, int n) {
  Impairment imp(s, seed);
  std::vector<Verdict> out;
  Time now{};
  for (int i = 0; i < n; ++i, now += 1ms) out.push_back(imp.decide(100, now));
  return out;
}

bool same(const std::vector<Verdict>& a, const std::vector<Verdict>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].copies != b[i].copies) return false;
    for (int c = 0; c < a[i].copies; ++c)
      if (a[i].at[static_cast<std::size_t>(c)] != b[i].at[static_cast<std::size_t>(c)]) return false;
  }
  return true;
}

// |count - n p| within 5 standard deviations of the binomial: fails by chance with
// probability below 1e-6, and the seed is fixed anyway.
void check_binomial(std::uint64_t count, int n, double p) {
  const double sd = std::sqrt(n * p * (1 - p));
  CAPTURE(count);
  CHECK(std::abs(static_cast<double>(count) - n * p) <= 5 * sd);
}

Settings mixed() {
  Settings s;
  s.latency = 50ms;
  s.jitter = 5ms;
  s.loss = 0.1;
  s.duplicate = 0.1;
  s.reorder = 0.1;
  return s;
}

}  // namespace

TEST_CASE("the same seed gives the same verdicts, another seed others") {
  CHECK(same(run(mixed(), 42, 5000), run(mixed(), 42, 5000)));
  CHECK_FALSE(same(run(mixed(), 42, 5000), run(mixed(), 43, 5000)));
  CHECK(gs::impair::derive_seed(42, 0) != gs::impair::derive_seed(42, 1));
  CHECK(gs::impair::derive_seed(42, 0) == gs::impair::derive_seed(42, 0));
}

TEST_CASE("the generator's first outputs are fixed on every platform") {
  // The channel simulator's tests and benchmark depend on this exact sequence.
  gs::impair::Rng rng(1);
  const std::uint64_t first = rng.next();
  gs::impair::Rng again(1);
  CHECK(again.next() == first);
  gs::impair::Rng r(7);
  for (int i = 0; i < 1000; ++i) {
    const double u = r.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }
}

TEST_CASE("losses and duplicates happen at their rates, within binomial bounds") {
  constexpr int n = 100'000;
  Settings s;
  s.loss = 0.1;
  s.duplicate = 0.1;
  s.latency = 50ms;
  Impairment imp(s, 17);
  std::uint64_t lost = 0, doubled = 0;
  const Time now{};
  for (int i = 0; i < n; ++i) {
    auto v = imp.decide(100, now);
    if (v.copies == 0) ++lost;
    if (v.copies == 2) {
      ++doubled;
      CHECK(v.at[0] == now + 50ms);
      CHECK(v.at[1] == now + 50ms);
    }
    if (v.copies == 1) CHECK(v.at[0] == now + 50ms);
  }
  check_binomial(lost, n, 0.1);
  // Duplication is drawn only for datagrams not lost.
  check_binomial(doubled, static_cast<int>(n - lost), 0.1);
  CHECK(imp.stats().sent == n);
  CHECK(imp.stats().lost == lost);
  CHECK(imp.stats().duplicated == doubled);
}

TEST_CASE("no loss, no duplicates, no delay: every datagram arrives once, at once") {
  Settings s;
  CHECK_FALSE(s.active());
  Impairment imp(s, 1);
  const Time now = Time{} + 5s;
  for (int i = 0; i < 1000; ++i) {
    auto v = imp.decide(1200, now);
    REQUIRE(v.copies == 1);
    REQUIRE(v.at[0] == now);
  }
}

TEST_CASE("reordering holds datagrams back so that later ones overtake them") {
  Settings s;
  s.latency = 10ms;
  s.reorder = 0.2;
  s.reorder_delay = 20ms;
  CHECK(s.active());
  Impairment imp(s, 5);
  constexpr int n = 10'000;
  Time now{};
  Time latest{};
  int overtaken = 0, held = 0;
  for (int i = 0; i < n; ++i, now += 1ms) {
    auto v = imp.decide(100, now);
    REQUIRE(v.copies == 1);
    REQUIRE(v.at[0] >= now + 10ms);
    REQUIRE(v.at[0] <= now + 30ms);
    if (v.at[0] > now + 10ms) ++held;
    if (v.at[0] < latest) ++overtaken;  // arrives before one sent earlier
    latest = std::max(latest, v.at[0]);
  }
  CHECK(imp.stats().reordered == static_cast<std::uint64_t>(held));
  check_binomial(imp.stats().reordered, n, 0.2);
  CHECK(overtaken > n / 20);
}

TEST_CASE("jitter spreads arrivals over [latency, latency + jitter]") {
  Settings s;
  s.latency = 20ms;
  s.jitter = 10ms;
  Impairment imp(s, 9);
  const Time now{};
  Time lo = Time::max(), hi = Time::min();
  for (int i = 0; i < 10'000; ++i) {
    auto v = imp.decide(100, now);
    lo = std::min(lo, v.at[0]);
    hi = std::max(hi, v.at[0]);
  }
  CHECK(lo >= now + 20ms);
  CHECK(hi <= now + 30ms);
  CHECK(hi - lo > 9ms);
}

TEST_CASE("a bottleneck spaces datagrams by their size and drops the tail of a full buffer") {
  Settings s;
  s.bandwidth = 1'000'000;  // 1 MB/s: 1000 bytes take 1 ms
  s.queue_bytes = 10'000;
  Impairment imp(s, 3);
  const Time now{};
  int delivered = 0;
  Time last{};
  for (int i = 0; i < 20; ++i) {
    auto v = imp.decide(1000, now);
    if (v.copies == 0) continue;
    ++delivered;
    CHECK(v.at[0] > last);
    last = v.at[0];
  }
  CHECK(delivered >= 10);
  CHECK(delivered <= 11);
  CHECK(imp.stats().queue_dropped == static_cast<std::uint64_t>(20 - delivered));
  CHECK(last - now >= 9ms);
}
