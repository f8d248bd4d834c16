#include "channel/congestion.hpp"

#include <algorithm>

namespace gs::channel {

namespace {
constexpr double kHighGain = 2.885;
constexpr double kCycle[] = {1.25, 0.75, 1, 1, 1, 1, 1, 1};
constexpr std::uint64_t kInitialPackets = 32;
constexpr std::uint64_t kMinPackets = 4;
// Loss statistics fade by this factor every round trip.
constexpr double kLossDecay = 0.9;
// Packets of evidence needed before a loss rate is trusted.
constexpr double kLossEvidencePackets = 16;
// Probing loss above cruise * kCongestedRatio + kCongestedMargin means congestion.
constexpr double kCongestedRatio = 1.5;
constexpr double kCongestedMargin = 0.01;
constexpr double kMaxRandomLoss = 0.5;
// The minimum RTT is trusted this long without being seen again.
constexpr Duration kMinRttWindow = std::chrono::seconds(10);
constexpr Duration kProbeRttTime = std::chrono::milliseconds(200);

}  // namespace

Congestion::Congestion(std::uint32_t mss, std::uint64_t max_rate, Duration initial_rtt)
    : mss_(mss),
      max_rate_(static_cast<double>(max_rate)),
      pacing_gain_(kHighGain),
      cwnd_gain_(kHighGain),
      cwnd_(kInitialPackets * mss) {
  pacing_rate_ = kHighGain * static_cast<double>(cwnd_) / to_seconds(initial_rtt);
  if (max_rate_ > 0) pacing_rate_ = std::min(pacing_rate_, max_rate_);
}

void Congestion::update_bw(const AckSample& s) {
  bool round_start = false;
  if (s.prior_delivered >= next_round_delivered_) {
    next_round_delivered_ = s.delivered;
    ++round_;
    round_start = true;
    bw_rounds_[round_ % bw_rounds_.size()] = 0;
    for (auto* t : {&below_, &above_}) {
      t->sent *= kLossDecay;
      t->lost *= kLossDecay;
    }
  }
  if (s.delivery_rate > 0 && (!s.app_limited || s.delivery_rate >= btl_bw_)) {
    auto& slot = bw_rounds_[round_ % bw_rounds_.size()];
    slot = std::max(slot, s.delivery_rate);
  }
  btl_bw_ = *std::max_element(bw_rounds_.begin(), bw_rounds_.end());

  if (round_start && !filled_pipe_ && !s.app_limited) {
    if (btl_bw_ >= full_bw_ * 1.25) {
      full_bw_ = btl_bw_;
      full_bw_count_ = 0;
    } else if (++full_bw_count_ >= 3) {
      filled_pipe_ = true;
    }
  }
}

void Congestion::on_outcome(std::uint64_t bytes, Phase phase, bool lost) {
  if (phase == Phase::cruise) return;
  auto& t = phase == Phase::above ? above_ : below_;
  t.sent += static_cast<double>(bytes);
  if (lost) t.lost += static_cast<double>(bytes);
}

void Congestion::undo_loss(std::uint64_t bytes, Phase phase) {
  if (phase == Phase::cruise) return;
  auto& t = phase == Phase::above ? above_ : below_;
  t.lost = std::max(0.0, t.lost - static_cast<double>(bytes));
}

double Congestion::random_loss() const {
  const double evidence = kLossEvidencePackets * mss_;
  if (below_.sent < evidence) return 0;
  const double base = below_.lost / below_.sent;
  if (above_.sent >= evidence && above_.lost / above_.sent > base * kCongestedRatio + kCongestedMargin)
    return 0;
  return std::min(base, kMaxRandomLoss);
}

void Congestion::update_min_rtt(const AckSample& s, Time now) {
  if (s.rtt_sample.count() <= 0) return;
  const bool expired = has_min_rtt_ && now - min_rtt_stamp_ > kMinRttWindow;
  if (!has_min_rtt_ || s.rtt_sample <= min_rtt_ || expired) {
    min_rtt_ = s.rtt_sample;
    min_rtt_stamp_ = now;
    has_min_rtt_ = true;
  }
  // An expired minimum from a sender that keeps the path busy may include its own
  // queue: drain it briefly to measure again. An application-limited sender has no
  // queue, so its sample is already the path's RTT.
  if (expired && !s.app_limited && mode_ != Mode::probe_rtt) {
    prior_mode_ = mode_;
    prior_cwnd_ = cwnd_;
    mode_ = Mode::probe_rtt;
    pacing_gain_ = 1;
    probe_rtt_done_ = Time::max();
  }
}

std::uint64_t Congestion::window() const {
  if (mode_ != Mode::probe_rtt) return cwnd_;
  const auto half_bdp = static_cast<std::uint64_t>(btl_bw_ * to_seconds(min_rtt_) / 2);
  return std::min(cwnd_, std::max(kMinPackets * mss_, half_bdp));
}

void Congestion::on_ack(const AckSample& s, Time now) {
  update_bw(s);
  update_min_rtt(s, now);
  const Duration rtt_d = has_min_rtt_ ? min_rtt_ : s.srtt;
  const double rtt = to_seconds(rtt_d);
  const double bdp = btl_bw_ * rtt;

  if (mode_ == Mode::probe_rtt) {
    if (probe_rtt_done_ == Time::max() && s.bytes_in_flight <= window())
      probe_rtt_done_ = now + std::max<Duration>(kProbeRttTime, rtt_d);
    if (now >= probe_rtt_done_) {
      min_rtt_stamp_ = now;
      cwnd_ = std::max(cwnd_, prior_cwnd_);
      mode_ = prior_mode_ == Mode::startup ? Mode::startup : Mode::probe_bw;
      pacing_gain_ = mode_ == Mode::startup ? kHighGain : 1;
      cycle_index_ = 2;
      cycle_stamp_ = now;
    }
  }
  if (mode_ == Mode::startup && filled_pipe_) {
    mode_ = Mode::drain;
    pacing_gain_ = 1 / kHighGain;
    cwnd_gain_ = kHighGain;
  }
  if (mode_ == Mode::drain && static_cast<double>(s.bytes_in_flight) <= bdp) {
    mode_ = Mode::probe_bw;
    cycle_index_ = 0;
    cycle_stamp_ = now;
    pacing_gain_ = kCycle[0];
    cwnd_gain_ = 2;
  }
  if (mode_ == Mode::probe_bw) {
    bool advance = now - cycle_stamp_ > rtt_d;
    if (pacing_gain_ < 1 && static_cast<double>(s.bytes_in_flight) <= bdp) advance = true;
    if (advance) {
      cycle_index_ = (cycle_index_ + 1) % std::size(kCycle);
      cycle_stamp_ = now;
      pacing_gain_ = kCycle[cycle_index_];
    }
  }

  if (btl_bw_ > 0) {
    double rate = pacing_gain_ * btl_bw_;
    if (mode_ == Mode::startup) rate = std::max(rate, pacing_rate_);
    pacing_rate_ = rate;
    auto target = static_cast<std::uint64_t>(cwnd_gain_ * bdp) + 3 * std::uint64_t{mss_};
    if (filled_pipe_)
      cwnd_ = std::min(cwnd_ + s.newly_acked, target);
    else if (cwnd_ < target || s.delivered < kInitialPackets * mss_)
      cwnd_ += s.newly_acked;
    cwnd_ = std::max(cwnd_, kInitialPackets * mss_);
  }
  if (max_rate_ > 0) pacing_rate_ = std::min(pacing_rate_, max_rate_);
}

}  // namespace gs::channel
