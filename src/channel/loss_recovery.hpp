// The sender's half of acknowledgement: remembers what every sent packet carried,
// estimates the round-trip time, declares packets lost (by reordering, by time, or when
// the probe timeout fires) and reports each frame's fate, acknowledged or lost, to a
// FrameSink. Feeds the congestion controller. Sans-IO: time is passed in.
#pragma once

#include <cstddef>
#include <cstdint>

#include "channel/config.hpp"
#include "channel/congestion.hpp"
#include "channel/ring.hpp"
#include "channel/wire.hpp"

namespace gs::channel {

// A frame carrying data, as a sent packet remembers it.
enum class RefKind : std::uint8_t { messages, fragment };
struct FrameRef {
  std::uint64_t id = 0;
  std::uint32_t index = 0;  // fragment index, or message count
  std::uint8_t lane = 0;
  RefKind kind = RefKind::messages;
};

// Learns what became of the frames of sent packets.
class FrameSink {
 public:
  virtual void on_frame_acked(const FrameRef& r) = 0;
  virtual void on_frame_lost(const FrameRef& r) = 0;

 protected:
  ~FrameSink() = default;
};

class LossRecovery {
 public:
  // Bound of the sent-packet ring (see Channel::kMaxSentPackets).
  static constexpr std::size_t kMaxSentPackets = 8192;
  // Packet reordering tolerated before a packet counts as lost (until a spurious loss).
  static constexpr std::uint64_t kPacketThreshold = 3;

  struct Counters {
    std::uint64_t packets_lost = 0;
    std::uint64_t pto_count = 0;
    std::uint64_t spurious_losses = 0;
    std::uint64_t sent_packets_retired = 0;
  };

  LossRecovery(const ChannelConfig& config, Time now, FrameSink& sink);

  // Sending. Frames recorded between next_frame() and on_packet_sent belong to the packet.
  std::uint64_t next_packet_number() const { return next_pn_; }
  std::uint64_t next_frame() const { return refs_base_ + refs_.size(); }
  void record_frame(const FrameRef& r) { refs_.push_back(r); }
  void on_packet_sent(Time now, std::uint32_t bytes, std::uint64_t first_frame, bool eliciting);
  // The congestion window has room for a full datagram.
  bool window_open() const { return bytes_in_flight_ + max_datagram_ <= cc_.window(); }
  // The sender has nothing to send although the window is open.
  void note_app_limited() { app_limited_until_ = delivered_ + bytes_in_flight_ + 1; }
  // Probes owed after a probe timeout; they may be sent past the window.
  unsigned probes_pending() const { return probes_pending_; }
  void on_probe_sent() { --probes_pending_; }

  // An ACK frame from the peer; false if it acknowledges a packet never sent (a
  // protocol error).
  bool on_ack_frame(const wire::AckFrame& ack, Time now);

  // Timers: the time-threshold loss check and the probe timeout.
  Time loss_time() const { return loss_time_; }
  void on_loss_timer(Time now);
  Time pto_deadline() const;
  void on_pto(Time now);
  Duration pto() const;

  const Congestion& congestion() const { return cc_; }
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  Duration latest_rtt() const { return latest_rtt_; }
  std::uint64_t bytes_in_flight() const { return bytes_in_flight_; }
  std::size_t sent_ring_size() const { return sent_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  enum class PacketStatus : std::uint8_t { outstanding, acked, lost, untracked };
  struct SentPacket {
    Time sent{};
    Time delivered_time{};
    Time first_sent_time{};
    std::uint64_t delivered = 0;
    std::uint64_t refs_begin = 0;
    std::uint32_t refs_count = 0;
    std::uint32_t bytes = 0;
    PacketStatus status = PacketStatus::untracked;
    bool app_limited = false;
    Congestion::Phase phase = Congestion::Phase::cruise;
  };
  // The newest packet an ACK frame newly acknowledged, for the delivery-rate sample.
  struct Newest {
    bool found = false;
    SentPacket packet;
  };

  void ack_ranges(const wire::AckFrame& ack, std::uint64_t largest, Time now, Newest& newest);
  void on_acked_range(std::uint64_t lo, std::uint64_t hi, Time now, Newest& newest);
  void on_packet_acked(std::uint64_t pn, Time now);
  void on_packet_lost(std::uint64_t pn);
  void on_spurious_loss(std::uint64_t pn, Time now);
  void update_rtt(Duration sample, std::uint16_t ack_delay);
  void sample_delivery(const SentPacket& newest, std::uint64_t prior_in_flight, bool rtt_sampled, Time now);
  void detect_losses(Time now);
  void pop_resolved_packets();
  void pop_oldest_sent();
  void track_sent(const SentPacket& p);
  Duration loss_delay() const;

  FrameSink& sink_;
  std::uint64_t first_sequence_;
  std::size_t max_datagram_;
  Duration initial_rtt_;
  Duration max_ack_delay_;
  Duration min_rto_;
  Congestion cc_;
  Ring<FrameRef> refs_;
  std::uint64_t refs_base_ = 0;  // index of refs_[0]
  Ring<SentPacket> sent_;
  std::uint64_t sent_base_ = 0;  // packet number of sent_[0]
  std::uint64_t next_pn_ = 0;
  std::uint64_t largest_acked_ = 0;
  bool any_acked_ = false;
  std::uint64_t bytes_in_flight_ = 0;
  std::uint64_t ack_eliciting_in_flight_ = 0;
  Time last_ack_eliciting_sent_{};
  Time loss_time_ = Time::max();
  std::uint32_t pto_backoff_ = 0;
  std::uint8_t probes_pending_ = 0;
  std::uint64_t packet_threshold_ = kPacketThreshold;
  std::uint32_t reorder_eighths_ = 1;  // time threshold: (1 + n/8) * RTT
  std::uint64_t delivered_ = 0;
  Time delivered_time_{};
  Time first_sent_time_{};
  std::uint64_t app_limited_until_ = 0;
  bool has_rtt_ = false;
  Duration srtt_{};
  Duration rttvar_{};
  Duration min_rtt_{};
  Duration latest_rtt_{};
  Counters counters_;
};

}  // namespace gs::channel
