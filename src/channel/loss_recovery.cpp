#include "channel/loss_recovery.hpp"

#include <algorithm>
#include <limits>

namespace gs::channel {

namespace {

using namespace std::chrono_literals;

// ACK delay a peer may report; more is not believed.
constexpr Duration kMaxReportedAckDelay = 100ms;
// Doublings of the probe timeout at most.
constexpr std::uint32_t kMaxBackoff = 10;
// Widest time threshold for loss: twice the RTT.
constexpr std::uint32_t kMaxReorderEighths = 8;

}  // namespace

LossRecovery::LossRecovery(const ChannelConfig& config, Time now, FrameSink& sink)
    : sink_(sink),
      first_sequence_(config.first_sequence),
      max_datagram_(config.max_datagram),
      initial_rtt_(config.initial_rtt),
      max_ack_delay_(config.max_ack_delay),
      min_rto_(config.min_rto),
      cc_(config.max_datagram, config.max_send_rate, config.initial_rtt),
      sent_base_(config.first_sequence),
      next_pn_(config.first_sequence),
      delivered_time_(now),
      first_sent_time_(now),
      srtt_(config.initial_rtt),
      rttvar_(config.initial_rtt / 2) {}

void LossRecovery::on_packet_sent(Time now, std::uint32_t bytes, std::uint64_t first_frame, bool eliciting) {
  SentPacket p;
  p.sent = now;
  p.bytes = bytes;
  p.refs_begin = first_frame;
  p.refs_count = static_cast<std::uint32_t>(next_frame() - first_frame);
  if (eliciting) {
    if (bytes_in_flight_ == 0) first_sent_time_ = delivered_time_ = now;
    p.status = PacketStatus::outstanding;
    p.delivered = delivered_;
    p.phase = cc_.phase();
    p.delivered_time = delivered_time_;
    p.first_sent_time = first_sent_time_;
    p.app_limited = delivered_ < app_limited_until_;
    bytes_in_flight_ += p.bytes;
    ++ack_eliciting_in_flight_;
    last_ack_eliciting_sent_ = now;
  }
  track_sent(p);
  ++next_pn_;
}

Duration LossRecovery::pto() const {
  Duration d = srtt_ + std::max<Duration>(4 * rttvar_, 1ms) + max_ack_delay_;
  return std::max(d, min_rto_);
}

Time LossRecovery::pto_deadline() const {
  if (ack_eliciting_in_flight_ == 0) return Time::max();
  return last_ack_eliciting_sent_ + pto() * (1u << std::min(pto_backoff_, kMaxBackoff));
}

Duration LossRecovery::loss_delay() const {
  Duration base = has_rtt_ ? std::max(srtt_, latest_rtt_) : initial_rtt_;
  return std::max<Duration>(base + base * reorder_eighths_ / 8, 1ms);
}

void LossRecovery::on_packet_acked(std::uint64_t pn, Time now) {
  SentPacket& p = sent_[pn - sent_base_];
  p.status = PacketStatus::acked;
  bytes_in_flight_ -= p.bytes;
  --ack_eliciting_in_flight_;
  delivered_ += p.bytes;
  delivered_time_ = now;
  cc_.on_outcome(p.bytes, p.phase, false);
  for (std::uint64_t i = p.refs_begin; i < p.refs_begin + p.refs_count; ++i)
    sink_.on_frame_acked(refs_[i - refs_base_]);
}

void LossRecovery::on_spurious_loss(std::uint64_t pn, Time now) {
  // The peer had it after all: its data is acknowledged, and from now on loss
  // detection tolerates reordering by time only, with a wider window (RACK).
  SentPacket& p = sent_[pn - sent_base_];
  p.status = PacketStatus::acked;
  ++counters_.spurious_losses;
  cc_.undo_loss(p.bytes, p.phase);
  delivered_ += p.bytes;
  delivered_time_ = now;
  packet_threshold_ = std::numeric_limits<std::uint64_t>::max() / 2;
  reorder_eighths_ = std::min<std::uint32_t>(reorder_eighths_ + 1, kMaxReorderEighths);
  for (std::uint64_t i = p.refs_begin; i < p.refs_begin + p.refs_count; ++i)
    sink_.on_frame_acked(refs_[i - refs_base_]);
}

void LossRecovery::on_packet_lost(std::uint64_t pn) {
  SentPacket& p = sent_[pn - sent_base_];
  p.status = PacketStatus::lost;
  bytes_in_flight_ -= p.bytes;
  --ack_eliciting_in_flight_;
  ++counters_.packets_lost;
  cc_.on_outcome(p.bytes, p.phase, true);
  for (std::uint64_t i = p.refs_begin; i < p.refs_begin + p.refs_count; ++i)
    sink_.on_frame_lost(refs_[i - refs_base_]);
}

// Forgets the oldest sent packet and the frame references only it held.
void LossRecovery::pop_oldest_sent() {
  const std::uint64_t end = sent_.front().refs_begin + sent_.front().refs_count;
  while (refs_base_ < end) {
    refs_.pop_front();
    ++refs_base_;
  }
  sent_.pop_front();
  ++sent_base_;
}

void LossRecovery::pop_resolved_packets() {
  // Lost packets stay while an ACK frame could still name them (spurious loss).
  while (!sent_.empty() && sent_.front().status != PacketStatus::outstanding &&
         (sent_.front().status != PacketStatus::lost || sent_base_ + wire::kAckRedundancy < largest_acked_)) {
    pop_oldest_sent();
  }
}

// Records a sent packet. A peer that never acknowledges would otherwise grow the ring
// for good (entries behind a lost one wait for an ACK naming it), so at kMaxSentPackets
// the oldest entry is given up: declared lost first if still outstanding, so its frames
// go back to their retransmission queues and no data depends on the entry any more.
void LossRecovery::track_sent(const SentPacket& p) {
  if (sent_.size() >= kMaxSentPackets) {
    if (sent_.front().status == PacketStatus::outstanding) on_packet_lost(sent_base_);
    ++counters_.sent_packets_retired;
    pop_oldest_sent();
  }
  sent_.push_back(p);
}

void LossRecovery::detect_losses(Time now) {
  loss_time_ = Time::max();
  if (!any_acked_) return;
  const Duration delay = loss_delay();
  for (std::size_t i = 0; i < sent_.size(); ++i) {
    const std::uint64_t pn = sent_base_ + i;
    if (pn >= largest_acked_) break;
    const SentPacket& p = sent_[i];
    if (p.status != PacketStatus::outstanding) continue;
    if (pn + packet_threshold_ <= largest_acked_ || p.sent + delay <= now) {
      on_packet_lost(pn);
    } else {
      loss_time_ = p.sent + delay;
      break;
    }
  }
}

void LossRecovery::on_loss_timer(Time now) {
  detect_losses(now);
  pop_resolved_packets();
}

void LossRecovery::on_pto(Time now) {
  ++counters_.pto_count;
  const Duration age = pto();
  bool first = true;
  for (std::size_t i = 0; i < sent_.size(); ++i) {
    const SentPacket& p = sent_[i];
    if (p.status != PacketStatus::outstanding) continue;
    if (first || p.sent + age <= now) on_packet_lost(sent_base_ + i);
    first = false;
  }
  ++pto_backoff_;
  probes_pending_ = 2;
  pop_resolved_packets();
}

void LossRecovery::on_acked_range(std::uint64_t lo, std::uint64_t hi, Time now, Newest& newest) {
  if (hi < sent_base_) return;
  lo = std::max(lo, sent_base_);
  for (std::uint64_t pn = hi + 1; pn-- > lo;) {
    SentPacket& p = sent_[pn - sent_base_];
    if (p.status == PacketStatus::lost) {
      on_spurious_loss(pn, now);
      continue;
    }
    if (p.status != PacketStatus::outstanding) continue;
    if (!newest.found) {
      newest.packet = p;
      newest.found = true;
    }
    on_packet_acked(pn, now);
  }
}

void LossRecovery::ack_ranges(const wire::AckFrame& ack, std::uint64_t largest, Time now, Newest& newest) {
  if (ack.first_range > largest) return;
  std::uint64_t hi = largest, lo = largest - ack.first_range;
  on_acked_range(lo, hi, now, newest);
  for (unsigned i = 0; i < ack.range_count; ++i) {
    if (lo < std::uint64_t{ack.gap[i]} + 2) break;
    hi = lo - ack.gap[i] - 2;
    if (hi < ack.length[i]) break;
    lo = hi - ack.length[i];
    on_acked_range(lo, hi, now, newest);
  }
}

void LossRecovery::update_rtt(Duration sample, std::uint16_t ack_delay_units) {
  latest_rtt_ = sample;
  if (!has_rtt_) {
    has_rtt_ = true;
    srtt_ = sample;
    rttvar_ = sample / 2;
    min_rtt_ = sample;
    return;
  }
  min_rtt_ = std::min(min_rtt_, sample);
  const Duration ack_delay =
      std::min<Duration>(std::chrono::microseconds(std::uint64_t{ack_delay_units} * wire::kAckDelayUnitUs),
                         kMaxReportedAckDelay);
  if (sample - ack_delay >= min_rtt_) sample -= ack_delay;
  const Duration diff = srtt_ > sample ? srtt_ - sample : sample - srtt_;
  rttvar_ = (3 * rttvar_ + diff) / 4;
  srtt_ = (7 * srtt_ + sample) / 8;
}

void LossRecovery::sample_delivery(const SentPacket& newest, std::uint64_t prior_in_flight, bool rtt_sampled,
                                   Time now) {
  Congestion::AckSample s;
  s.delivered = delivered_;
  s.prior_delivered = newest.delivered;
  const Duration interval = std::max(newest.sent - newest.first_sent_time, now - newest.delivered_time);
  // Random loss is not congestion: the path's random loss rate (loss that does not
  // grow when the sender probes faster) is added back, so a lossy but uncongested
  // path keeps its rate instead of collapsing.
  const double got = static_cast<double>(delivered_ - newest.delivered);
  if (interval > Duration::zero()) s.delivery_rate = got / to_seconds(interval) / (1.0 - cc_.random_loss());
  s.app_limited = newest.app_limited;
  s.newly_acked = prior_in_flight - bytes_in_flight_;
  s.bytes_in_flight = bytes_in_flight_;
  if (rtt_sampled) s.rtt_sample = latest_rtt_;
  s.srtt = srtt_;
  first_sent_time_ = newest.sent;
  cc_.on_ack(s, now);
}

bool LossRecovery::on_ack_frame(const wire::AckFrame& ack, Time now) {
  if (next_pn_ == first_sequence_) return false;
  const std::uint64_t largest = wire::expand(next_pn_ - 1, ack.largest);
  if (largest >= next_pn_) return false;
  const bool largest_outstanding =
      largest >= sent_base_ && sent_[largest - sent_base_].status == PacketStatus::outstanding;
  Time largest_sent{};
  if (largest_outstanding) largest_sent = sent_[largest - sent_base_].sent;

  Newest newest;
  const std::uint64_t prior_in_flight = bytes_in_flight_;
  ack_ranges(ack, largest, now, newest);
  if (!any_acked_ || largest > largest_acked_) {
    largest_acked_ = largest;
    any_acked_ = true;
  }
  if (largest_outstanding) update_rtt(now - largest_sent, ack.delay);
  if (newest.found) {
    pto_backoff_ = 0;
    sample_delivery(newest.packet, prior_in_flight, largest_outstanding, now);
  }
  detect_losses(now);
  pop_resolved_packets();
  return true;
}

}  // namespace gs::channel
