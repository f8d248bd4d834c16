#include "common/impairment.hpp"

#include <algorithm>

namespace gs::impair {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
Duration scale(Duration d, double f) {
  return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * f));
}
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

Verdict Link::decide(std::size_t size, Time now, Rng& rng) {
  const Settings& c = settings;
  Verdict v;
  ++stats.sent;
  Time depart = now;
  if (c.bandwidth > 0) {
    const Time start = std::max(now, busy_until_);
    const double backlog =
        std::chrono::duration<double>(start - now).count() * static_cast<double>(c.bandwidth);
    if (c.queue_bytes > 0 && backlog + static_cast<double>(size) > static_cast<double>(c.queue_bytes)) {
      ++stats.queue_dropped;
      return v;
    }
    busy_until_ = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                              static_cast<double>(size) / static_cast<double>(c.bandwidth)));
    depart = busy_until_;
  }
  if (rng.chance(c.loss)) {
    ++stats.lost;
    return v;
  }
  v.copies = rng.chance(c.duplicate) ? 2 : 1;
  if (v.copies == 2) ++stats.duplicated;
  for (int i = 0; i < v.copies; ++i) {
    Time at = depart + c.latency;
    if (c.jitter.count() > 0) at += scale(c.jitter, rng.uniform());
    if (rng.chance(c.reorder)) {
      ++stats.reordered;
      at += scale(c.reorder_delay, rng.uniform());
    }
    v.at[static_cast<std::size_t>(i)] = at;
  }
  return v;
}

std::uint64_t derive_seed(std::uint64_t base, std::uint64_t n) {
  std::uint64_t x = base;
  const std::uint64_t a = splitmix64(x);
  x = n ^ a;
  return splitmix64(x);
}

}  // namespace gs::impair
