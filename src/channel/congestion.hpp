// Model-based congestion control in the style of BBR: the send rate follows the
// measured delivery rate and the window follows the bandwidth-delay product, so random
// loss does not shrink the window (unlike loss-based Reno/CUBIC) while a real
// bottleneck is not flooded.
#pragma once

#include <array>
#include <cstdint>

#include "channel/config.hpp"

namespace gs::channel {

class Congestion {
 public:
  enum class Mode : std::uint8_t { startup, drain, probe_bw, probe_rtt };

  // mss: datagram size in bytes; max_rate: bytes/s cap, 0 for none.
  Congestion(std::uint32_t mss, std::uint64_t max_rate, Duration initial_rtt);

  struct AckSample {
    std::uint64_t delivered = 0;        // total bytes delivered after this ack
    std::uint64_t prior_delivered = 0;  // delivered when the newest acked packet was sent
    double delivery_rate = 0;           // bytes/s, 0 if no sample
    bool app_limited = false;
    std::uint64_t newly_acked = 0;      // bytes
    std::uint64_t bytes_in_flight = 0;  // after the ack
    Duration rtt_sample{};              // 0 if this ack gave no RTT sample
    Duration srtt{};
  };
  void on_ack(const AckSample& s, Time now);

  // Whether packets sent now go out above, at or below the estimated bandwidth.
  enum class Phase : std::uint8_t { cruise, above, below };
  Phase phase() const {
    return pacing_gain_ > 1.0 ? Phase::above : pacing_gain_ < 1.0 ? Phase::below : Phase::cruise;
  }
  // Outcome of one packet (acknowledged or lost) and the phase it was sent in.
  void on_outcome(std::uint64_t bytes, Phase phase, bool lost);
  void undo_loss(std::uint64_t bytes, Phase phase);  // a loss turned out spurious
  // The path's random loss rate: loss while sending below the estimated bandwidth
  // (where no queue can overflow), and only if sending above it loses about as much;
  // loss that grows with the rate is congestion, and then this is 0.
  double random_loss() const;

  std::uint64_t window() const;
  // Smallest RTT seen within the last 10 s (0 before the first sample).
  Duration min_rtt() const { return min_rtt_; }
  // Bytes per second the sender paces at.
  double pacing_rate() const { return pacing_rate_; }
  double bandwidth() const { return btl_bw_; }
  Mode mode() const { return mode_; }

 private:
  void update_bw(const AckSample& s);
  void update_min_rtt(const AckSample& s, Time now);

  std::uint32_t mss_;
  double max_rate_;
  Mode mode_ = Mode::startup;
  double pacing_gain_;
  double cwnd_gain_;
  std::uint64_t cwnd_;
  double pacing_rate_;
  double btl_bw_ = 0;
  std::array<double, 10> bw_rounds_{};
  std::uint64_t round_ = 0;
  std::uint64_t next_round_delivered_ = 0;
  double full_bw_ = 0;
  int full_bw_count_ = 0;
  bool filled_pipe_ = false;
  struct LossTally {
    double sent = 0;
    double lost = 0;
  };
  LossTally below_;  // packets sent at pacing gain < 1
  LossTally above_;  // packets sent at pacing gain > 1
  Duration min_rtt_{};
  Time min_rtt_stamp_{};
  bool has_min_rtt_ = false;
  Mode prior_mode_ = Mode::startup;
  std::uint64_t prior_cwnd_ = 0;
  Time probe_rtt_done_ = Time::max();
  std::size_t cycle_index_ = 0;
  Time cycle_stamp_{};
};

}  // namespace gs::channel
