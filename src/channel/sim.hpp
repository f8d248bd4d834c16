// A seeded network simulator between two channels on a manual clock: loss, latency,
// jitter, duplication, reordering and an optional bottleneck (bandwidth and buffer).
// Deterministic for a given seed; used by tests, benchmarks and loopback tools.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "channel/channel.hpp"
#include "common/impairment.hpp"

namespace gs::channel::sim {

// The generator and the link settings live in common/impairment.hpp, shared with the
// UDP endpoint's impairment option.
using Rng = impair::Rng;
using LinkConfig = impair::Settings;
using LinkStats = impair::Stats;

enum class Side : std::uint8_t { a = 0, b = 1 };

class Network {
 public:
  Network(const LinkConfig& a_to_b, const LinkConfig& b_to_a, std::uint64_t seed);

  void send(Side from, std::span<const std::byte> datagram, Time now);
  // Earliest pending delivery, Time::max() if none.
  Time next_delivery() const;
  // Calls deliver(Side to, std::span<const std::byte>) for every datagram due by now.
  std::size_t deliver_due(Time now, const std::function<void(Side, std::span<const std::byte>)>& deliver);

  const LinkStats& stats(Side from) const { return links_[static_cast<int>(from)].stats; }
  LinkConfig& link(Side from) { return links_[static_cast<int>(from)].settings; }

 private:
  struct InFlight {
    Time at;
    std::uint64_t seq;
    Side to;
    std::vector<std::byte> bytes;
    bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  void enqueue(Side to, Time at, std::span<const std::byte> bytes);

  impair::Link links_[2];
  Rng rng_;
  std::uint64_t seq_ = 0;
  std::vector<InFlight> queue_;  // min-heap on (at, seq)
  std::vector<std::vector<std::byte>> pool_;
};

// Two channels joined by a Network, driven by a manual clock.
class Pair {
 public:
  Pair(const ChannelConfig& a, const ChannelConfig& b, const LinkConfig& a_to_b, const LinkConfig& b_to_a,
       std::uint64_t seed, ChannelEvents& events_a, ChannelEvents& events_b, Time start,
       ReassemblyBudget* budget_a = nullptr, ReassemblyBudget* budget_b = nullptr);

  Channel& a() { return a_; }
  Channel& b() { return b_; }
  Network& network() { return net_; }
  Time now() const { return now_; }

  // Sends what both channels have, advances the clock to the next event (at most to
  // `limit`) and delivers what is due. False when nothing is scheduled before limit.
  bool step(Time limit = Time::max());
  // Steps until done() or until `max` of simulated time passed; returns done().
  template <class Pred>
  bool run_until(Pred done, Duration max) {
    const Time deadline = now_ + max;
    while (!done()) {
      if (!step(deadline)) return done();
    }
    return true;
  }
  // Runs for d of simulated time.
  void run_for(Duration d) {
    const Time deadline = now_ + d;
    while (step(deadline)) {
    }
  }
  // Sends what both channels have now, without advancing the clock.
  std::size_t flush();

 private:
  Network net_;
  Channel a_;
  Channel b_;
  Time now_;
};

}  // namespace gs::channel::sim
