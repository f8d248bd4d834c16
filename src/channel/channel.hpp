// The reliable-UDP channel: sans-IO. Bytes and time go in (send, receive), datagrams and
// events come out (next_datagram/poll, ChannelEvents). It never touches a socket or
// reads a clock. Wire format: docs/PROTOCOL.md, part "Channel".
//
// Driving it from an event loop:
//   on datagram from the peer:  ch.receive(bytes, now); flush
//   on application message:     if (ch.send(lane, bytes, now) != SendResult::ok) ...; flush
//   flush:                      ch.poll(now, [&](auto d) { transmit(d); });
//                               arm a timer for ch.next_wakeup(), and flush when it fires
// Time must not go backwards between calls. A Channel is not thread-safe; a
// ReassemblyBudget may be shared across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "channel/ack_tracker.hpp"
#include "channel/budget.hpp"
#include "channel/close_code.hpp"
#include "channel/config.hpp"
#include "channel/loss_recovery.hpp"
#include "channel/reassembly.hpp"
#include "channel/send_lanes.hpp"
#include "channel/wire.hpp"

namespace gs::channel {

// SendResult (ok, queue_full, too_large, bad_lane, closed) is declared with the send
// queues, in channel/send_lanes.hpp.

// open: data flows. flushing: close_after_flush was called; queued data is still
// delivered, send() refuses new data. closing: a CLOSE was sent, waiting for the peer's
// CLOSE_ACK. closed: final.
enum class State : std::uint8_t { open, flushing, closing, closed };

std::string_view to_string(SendResult r);
std::string_view to_string(State s);

// Receives the channel's events. Callbacks run inside receive(), next_datagram() and
// the close calls; they may call send() and close(), but not receive().
class ChannelEvents {
 public:
  virtual ~ChannelEvents() = default;
  // A complete message; `message` is valid only during the call.
  virtual void on_message(std::size_t lane, std::span<const std::byte> message, Time now) = 0;
  virtual void on_state(State from, State to, Time now) { (void)from, (void)to, (void)now; }
  // Called once, when the channel stops carrying data. `end.code` is local, timeout,
  // protocol_error or overflow when this side closed, and in the remote range (the
  // peer's CLOSE code, see close_code.hpp) when the peer did.
  virtual void on_closed(const End& end, Time now) { (void)end, (void)now; }
};

struct ChannelStats {
  Duration srtt{};
  Duration min_rtt{};
  Duration rttvar{};
  Duration latest_rtt{};
  Duration rto{};
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_sent = 0;      // datagram bytes
  std::uint64_t bytes_received = 0;  // datagram bytes accepted
  std::uint64_t packets_lost = 0;    // declared lost by the sender
  std::uint64_t retransmitted = 0;   // messages or fragments sent again
  std::uint64_t bytes_retransmitted = 0;
  std::uint64_t messages_sent = 0;      // accepted by send()
  std::uint64_t messages_received = 0;  // delivered to on_message
  std::uint64_t pto_count = 0;
  std::uint64_t spurious_losses = 0;  // declared lost, then acknowledged
  double send_rate = 0;               // current pacing rate, bytes/s
  double delivery_rate = 0;           // estimated bottleneck bandwidth, bytes/s
  std::uint64_t cwnd = 0;             // congestion window, bytes
  std::uint64_t bytes_in_flight = 0;
  std::uint64_t queued_messages = 0;  // not yet acknowledged (reliable) or sent
  std::uint64_t queued_bytes = 0;
  std::uint64_t unsent_messages = 0;
  std::uint64_t rx_buffered_bytes = 0;     // reassembly and out-of-order, charged to reassembly_cap
  std::uint64_t rx_held_bytes = 0;         // heap those buffers really take, charged to the budget
  std::uint64_t sent_packets_retired = 0;  // tracked packets given up when the ring was full
  // Received datagrams that were dropped, by cause.
  std::uint64_t dropped_short = 0;                 // shorter than the header
  std::uint64_t dropped_header = 0;                // wrong version or flags
  std::uint64_t dropped_malformed = 0;             // a frame failed to decode or was out of range
  std::uint64_t dropped_duplicate = 0;             // packet number already received
  std::uint64_t dropped_too_old = 0;               // packet number behind the receive window
  std::uint64_t dropped_budget = 0;                // global reassembly budget exhausted (not acked)
  std::uint64_t dropped_unreliable_fragments = 0;  // expired or evicted unreliable parts
};

class Channel final : private MessageSink {
 public:
  // Throws std::invalid_argument if validate(config) fails. `budget`, if given, is
  // shared with other channels and must outlive this one.
  Channel(const ChannelConfig& config, Time now, ChannelEvents& events, ReassemblyBudget* budget = nullptr);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Queues a message on a lane. Reliable data is never dropped once accepted.
  SendResult send(std::size_t lane, std::span<const std::byte> message, Time now);

  // Feeds one datagram from the peer. Any byte sequence is safe.
  void receive(std::span<const std::byte> datagram, Time now);

  // The next datagram to send now, or an empty span when there is none. The bytes stay
  // valid until the next call on this channel.
  std::span<const std::byte> next_datagram(Time now);

  // Calls emit(std::span<const std::byte>) for every datagram due now; returns the count.
  template <class F>
  std::size_t poll(Time now, F&& emit) {
    std::size_t n = 0;
    for (auto d = next_datagram(now); !d.empty(); d = next_datagram(now), ++n) emit(d);
    return n;
  }

  // When next_datagram() should be called again at the latest (Time::max() if never).
  Time next_wakeup() const;

  // Immediate close: queued data is discarded, the peer is told with CLOSE.
  void close(Time now);
  // Delivers everything queued (reliable data acknowledged), then closes. If the peer
  // acknowledges nothing new for flush_timeout() meanwhile (one that keeps the channel
  // alive with PINGs but never acknowledges), closes as close() does, with reason
  // timeout. A later close() takes effect at once.
  void close_after_flush(Time now);
  // How long a flush may go without progress: 3 PTOs (the data and two probes), at
  // least 1 s, at most 5 s and never more than `timeout`.
  Duration flush_timeout() const;

  State state() const { return state_; }
  // Why the channel closed (EndCode::none while open).
  EndCode close_reason() const { return close_reason_; }
  // The reason byte the peer put in its CLOSE frame (when close_reason() is in the remote range).
  std::uint8_t peer_close_code() const { return peer_close_code_; }
  ChannelStats stats() const;
  const ChannelConfig& config() const { return config_; }
  // Sent packets tracked for acknowledgement; never above kMaxSentPackets.
  std::size_t sent_ring_size() const { return recovery_.sent_ring_size(); }
  // Bound of the sent-packet ring: 8192 packets keep the default 8 MiB flow-control
  // window (about 7,400 full packets) in flight. When it is full the oldest entry is
  // given up (declared lost first if still outstanding).
  static constexpr std::size_t kMaxSentPackets = LossRecovery::kMaxSentPackets;

 private:
  enum class Apply : std::uint8_t { ok, stop, unacked };

  // Receive side.
  void receive_packet(std::span<const std::byte> datagram, Time now);
  Apply apply_frames(Time now);
  Apply apply_frame(const wire::Frame& f, bool active, Time now);
  Apply on_data(Reassembly::Outcome outcome, Time now);
  void on_ack_frame(const wire::AckFrame& ack, Time now);
  // MessageSink
  void deliver(std::size_t lane, std::span<const std::byte> message, Time now) override;
  bool taking_data() const override { return state_ == State::open || state_ == State::flushing; }

  // Send side.
  void write_header(wire::Writer& w);
  std::span<const std::byte> closing_datagram(wire::Writer& w, Time now);
  std::span<const std::byte> sent(const wire::Writer& w, Time now);

  // Lifecycle.
  void on_timers(Time now);
  void set_state(State next, Time now);
  void drop_all_data();
  void begin_close(EndCode reason, Time now);
  void finish(EndCode reason, Time now);

  ChannelConfig config_;
  ChannelEvents& events_;
  State state_ = State::open;
  EndCode close_reason_ = EndCode::none;
  std::uint8_t peer_close_code_ = 0;
  std::uint8_t close_code_ = 0;
  Time now_{};

  SendLanes lanes_;
  LossRecovery recovery_;
  AckTracker acks_;
  Reassembly reassembly_;
  wire::FrameList frames_;  // the frames of the packet being received

  Time last_send_{};
  Time last_recv_{};
  bool ping_pending_ = false;
  Time close_deadline_ = Time::max();
  Time flush_deadline_ = Time::max();  // flushing: closes then unless data was acknowledged
  Time close_resend_at_ = Time::max();
  bool close_ack_pending_ = false;

  ChannelStats stats_;
  std::vector<std::byte> out_;
};

}  // namespace gs::channel
