// The sender's queues: messages per lane until acknowledged (reliable) or sent
// (unreliable), frames to send again after a loss, packing of new data by priority and
// weight (deficit round robin), the flow-control window and pacing. Sans-IO: time is
// passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "channel/arena.hpp"
#include "channel/config.hpp"
#include "channel/loss_recovery.hpp"
#include "channel/ring.hpp"
#include "channel/wire.hpp"

namespace gs::channel {

enum class SendResult : std::uint8_t {
  ok,
  queue_full,  // send_queue_cap reached; nothing was queued, try again later
  too_large,   // larger than max_message
  bad_lane,    // lane index not configured
  closed,      // channel is flushing, closing or closed
};

class SendLanes final : public FrameSink {
 public:
  // Bytes a lane may send per round, times its weight.
  static constexpr std::int64_t kQuantum = 512;

  struct Counters {
    std::uint64_t messages_sent = 0;  // accepted by push
    std::uint64_t retransmitted = 0;  // messages or fragments sent again
    std::uint64_t bytes_retransmitted = 0;
  };

  SendLanes(const ChannelConfig& config, Time now);

  // Queues a message (never `closed`: the channel decides that).
  SendResult push(std::size_t lane, std::span<const std::byte> message);
  // Some lane has a frame to send again, or new data the flow-control window admits.
  bool any_sendable() const;
  // Packs frames to send again, then new data, into `w`, highest priority first; every
  // frame of a reliable lane is recorded in `log`.
  void write(wire::Writer& w, LossRecovery& log);

  // Pacing at `rate` bytes/s (0: none): whether data may go now, when it may next, and
  // the bytes of an ack-eliciting packet sent.
  bool pacing_allows(Time now, double rate);
  Time pacing_ready(Time now, double rate) const;
  void spend_pacing(std::uint32_t bytes) { pacing_tokens_ -= bytes; }

  // FrameSink: a frame was acknowledged, or lost and is to be sent again.
  void on_frame_acked(const FrameRef& r) override;
  void on_frame_lost(const FrameRef& r) override { tx_[r.lane].rtx.push_back(r); }

  // Drops everything queued (the channel closes).
  void discard_all();
  // Nothing is queued any more: every reliable message was acknowledged.
  bool all_acked() const;

  std::uint64_t frames_acked() const { return frames_acked_; }
  std::uint64_t queued_bytes() const { return queued_bytes_; }
  std::uint64_t queued_messages() const { return queued_messages_; }
  std::uint64_t unsent_messages() const;
  const Counters& counters() const { return counters_; }

 private:
  struct OutMsg {
    std::byte* data = nullptr;
    std::unique_ptr<std::byte[]> large;
    std::unique_ptr<std::uint64_t[]> frag_acked;
    std::uint32_t size = 0;
    std::uint32_t block = MessageArena::kNoBlock;
    std::uint32_t frag_count = 0;  // 0: sent whole
    std::uint32_t next_frag = 0;   // first transmission progress
    std::uint32_t frags_acked = 0;
    bool acked = false;
    bool counted = false;  // charged to the flow-control window
  };
  struct LaneTx {
    LaneConfig cfg;
    bool reliable = false;
    Ring<OutMsg> msgs;
    std::uint64_t base_id = 0;   // id of msgs[0]
    std::uint64_t send_pos = 0;  // first id whose first transmission is incomplete
    std::int64_t deficit = 0;
    std::uint64_t window = 0;  // flow-control bytes this lane may use
    Ring<FrameRef> rtx;        // lost frames to send again, oldest first
    std::uint64_t next_id() const { return base_id + msgs.size(); }
  };
  bool has_sendable(const LaneTx& tx) const { return !tx.rtx.empty() || has_new_data(tx); }
  bool has_new_data(const LaneTx& tx) const;
  bool can_start(const LaneTx& tx, const OutMsg& m) const;
  bool write_retransmissions(wire::Writer& w, LaneTx& tx, std::int64_t& deficit, LossRecovery& log);
  bool resend_fragment(wire::Writer& w, LaneTx& tx, const FrameRef& r, LossRecovery& log);
  bool resend_messages(wire::Writer& w, LaneTx& tx, FrameRef& r, LossRecovery& log);
  bool write_from_lane(wire::Writer& w, std::size_t lane, std::int64_t& deficit, LossRecovery& log);
  bool write_next_fragment(wire::Writer& w, std::size_t lane, std::int64_t& deficit, LossRecovery& log);
  void pop_acked(LaneTx& tx);
  void release(OutMsg& m);

  std::uint32_t max_message_;
  std::uint64_t send_queue_cap_;
  std::uint32_t max_datagram_;
  std::size_t chunk_;
  std::vector<LaneTx> tx_;
  std::vector<std::vector<std::size_t>> prio_groups_;  // lane indices by priority
  std::vector<std::size_t> rr_cursor_;
  MessageArena arena_;
  std::uint64_t queued_bytes_ = 0;
  std::uint64_t queued_messages_ = 0;
  std::uint64_t outstanding_ = 0;  // flow-control window use
  double pacing_tokens_ = 0;
  Time pacing_stamp_{};
  std::uint64_t frames_acked_ = 0;  // messages and fragments acknowledged, ever
  Counters counters_;
};

}  // namespace gs::channel
