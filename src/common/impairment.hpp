// Network impairment, sans-IO: the link settings (loss, delay, jitter, duplication,
// reordering, an optional bottleneck) and the seeded generator that decides, for each
// datagram and the time it is sent, whether it is lost and when its copies arrive.
// The caller owns the clock and the queue. Shared by the channel simulator
// (channel/sim.hpp), net::UdpEndpoint (UdpOptions::impairment) and `gameserver bench`'s
// proxy. Standard library only; deterministic for a given seed on every platform.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace gs::impair {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;

// xoshiro256** seeded through splitmix64: the same sequence on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();  // [0, 1)
  bool chance(double p) { return p > 0 && uniform() < p; }

 private:
  std::uint64_t s_[4];
};

// One direction of a link.
struct Settings {
  Duration latency{};    // one-way delay
  Duration jitter{};     // extra delay, uniform in [0, jitter]
  double loss = 0;       // probability a datagram is dropped
  double duplicate = 0;  // probability a datagram is delivered twice
  double reorder = 0;    // probability a datagram is held back by up to reorder_delay
  Duration reorder_delay = std::chrono::milliseconds(20);
  std::uint64_t bandwidth = 0;    // bytes/s of the bottleneck, 0 = unlimited
  std::uint64_t queue_bytes = 0;  // bottleneck buffer, 0 = unlimited (tail drop when full)

  // False when every datagram would pass at once, unchanged.
  bool active() const {
    return latency.count() > 0 || jitter.count() > 0 || loss > 0 || duplicate > 0 || reorder > 0 ||
           bandwidth > 0;
  }
};

struct Stats {
  std::uint64_t sent = 0;  // datagrams offered to decide()
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t queue_dropped = 0;  // tail drops at the bottleneck
  // Counted by the owner of the queue when a copy comes out.
  std::uint64_t delivered = 0;
  std::uint64_t bytes_delivered = 0;
};

// What becomes of one datagram: `copies` (0, 1 or 2) arrivals, at at[0] and at[1].
struct Verdict {
  int copies = 0;
  std::array<Time, 2> at{};
};

// One direction's state: its settings, counters and bottleneck. The generator is
// passed in, so two directions can share one (as the channel simulator does).
class Link {
 public:
  Link() = default;
  explicit Link(const Settings& settings) : settings(settings) {}

  // Decides the fate of a datagram of `size` bytes sent at `now`. Draws from `rng`
  // in a fixed order: loss, duplication, then per copy jitter and reordering.
  Verdict decide(std::size_t size, Time now, Rng& rng);

  Settings settings;
  Stats stats;

 private:
  Time busy_until_{};
};

// A Link with a generator of its own: one direction, one seed.
class Impairment {
 public:
  Impairment(const Settings& settings, std::uint64_t seed) : link_(settings), rng_(seed) {}
  Verdict decide(std::size_t size, Time now) { return link_.decide(size, now, rng_); }
  const Settings& settings() const { return link_.settings; }
  Stats& stats() { return link_.stats; }
  const Stats& stats() const { return link_.stats; }

 private:
  Link link_;
  Rng rng_;
};

// A seed for the n-th of several generators from one base seed (splitmix64 of both),
// so that endpoints sharing a setting do not lose the same datagrams.
std::uint64_t derive_seed(std::uint64_t base, std::uint64_t n);

}  // namespace gs::impair
