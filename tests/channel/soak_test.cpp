// Soak suite: the quick suite's scenarios at larger counts and several seeds.
#include <doctest/doctest.h>

#include <set>

#include "helpers.hpp"

using namespace gs::channel;
using namespace gs::channel::test;
using namespace std::chrono_literals;

namespace {

sim::LinkConfig harsh(double loss) {
  sim::LinkConfig l;
  l.latency = 100ms;
  l.jitter = 30ms;
  l.loss = loss;
  l.duplicate = 0.25;
  l.reorder = 0.25;
  l.reorder_delay = 80ms;
  return l;
}

std::size_t mixed_size(sim::Rng& rng) {
  const double p = rng.uniform();
  if (p < 0.90) return 12 + rng.next() % 300;
  if (p < 0.99) return 300 + rng.next() % 5000;
  return 12 + rng.next() % (200 * 1024);
}

// Both directions at once, every lane kind, mixed sizes; checks exactly-once (and
// order on the ordered lane) on both sides.
void soak(std::uint64_t seed, int n, const sim::LinkConfig& link, std::uint32_t first_sequence) {
  Recorder ra, rb;
  ChannelConfig c;
  c.first_sequence = first_sequence;
  sim::Pair pair(c, c, link, link, seed, ra, rb, kEpoch);
  sim::Rng rng(seed * 31 + 1);
  int sent_a = 0, sent_b = 0;
  auto feed = [&](Channel& ch, int& sent) {
    while (sent < n) {
      const auto lane = std::size_t(sent % 2);  // reliable ordered and unordered
      auto r = ch.send(lane, make_payload(std::uint64_t(sent), mixed_size(rng)), pair.now());
      if (r == SendResult::queue_full) return;
      REQUIRE(r == SendResult::ok);
      ++sent;
    }
  };
  REQUIRE(pair.run_until(
      [&] {
        feed(pair.a(), sent_a);
        feed(pair.b(), sent_b);
        return ra.messages.size() >= std::size_t(n) && rb.messages.size() >= std::size_t(n);
      },
      3600s));
  pair.run_for(5s);
  for (Recorder* r : {&ra, &rb}) {
    REQUIRE(r->messages.size() == std::size_t(n));
    std::set<std::uint64_t> seen;
    std::uint64_t next_ordered = 0;
    for (auto& m : r->messages) {
      auto id = check_payload(m.bytes);
      REQUIRE(id.has_value());
      CHECK(seen.insert(*id).second);
      CHECK(*id % 2 == m.lane);
      if (m.lane == 0) {
        CHECK(*id == next_ordered);
        next_ordered += 2;
      }
    }
  }
  CHECK(pair.a().state() == State::open);
  CHECK(pair.b().state() == State::open);
  auto s = pair.a().stats();
  MESSAGE("seed ", seed, ": ", std::chrono::duration<double>(pair.now() - kEpoch).count(), " s simulated, ",
          s.packets_sent, " packets, ", s.packets_lost, " lost, ", s.spurious_losses, " spurious, ",
          s.pto_count, " probe timeouts");
}

}  // namespace

TEST_CASE("soak: 50,000 messages each way at 25% loss, duplication and reordering, several seeds") {
  for (std::uint64_t seed : {1, 2, 3}) soak(seed, 50'000, harsh(0.25), 0);
}

TEST_CASE("soak: 40% loss") { soak(4, 10'000, harsh(0.40), 0); }

TEST_CASE("soak: wrap-around of packet numbers and message ids under loss") {
  soak(5, 50'000, harsh(0.1), 0xffffffffu - 20'000);
}

TEST_CASE("soak: random garbage into long-lived channels") {
  sim::Rng rng(8);
  for (int round = 0; round < 2000; ++round) {
    Recorder r;
    ChannelConfig c;
    Channel ch(c, kEpoch, r);
    for (int i = 0; i < 500 && ch.state() == State::open; ++i) {
      std::vector<std::byte> d(rng.next() % 1400);
      for (auto& b : d) b = std::byte(rng.next() & 0xff);
      if (!d.empty() && rng.next() % 2) d[0] = std::byte(wire::kHeaderByte);
      if (d.size() > 5 && rng.next() % 2) d[5] = std::byte(0x10 + rng.next() % 2);
      ch.receive(d, kEpoch + std::chrono::milliseconds(i));
      ch.poll(kEpoch + std::chrono::milliseconds(i), [](auto) {});
      REQUIRE(ch.stats().rx_buffered_bytes <= c.reassembly_cap);
    }
  }
}
