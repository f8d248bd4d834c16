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
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "channel/arena.hpp"
#include "channel/budget.hpp"
#include "channel/close_code.hpp"
#include "channel/config.hpp"
#include "channel/congestion.hpp"
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
    virtual void on_state(State from, State to, Time now) {
        (void)from, (void)to, (void)now;
    }
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
    std::uint64_t bytes_sent = 0;        // datagram bytes
    std::uint64_t bytes_received = 0;    // datagram bytes accepted
    std::uint64_t packets_lost = 0;      // declared lost by the sender
    std::uint64_t retransmitted = 0;     // messages or fragments sent again
    std::uint64_t bytes_retransmitted = 0;
    std::uint64_t messages_sent = 0;      // accepted by send()
    std::uint64_t messages_received = 0;  // delivered to on_message
    std::uint64_t pto_count = 0;
    std::uint64_t spurious_losses = 0;  // declared lost, then acknowledged
    double send_rate = 0;       // current pacing rate, bytes/s
    double delivery_rate = 0;   // estimated bottleneck bandwidth, bytes/s
    std::uint64_t cwnd = 0;     // congestion window, bytes
    std::uint64_t bytes_in_flight = 0;
    std::uint64_t queued_messages = 0;  // not yet acknowledged (reliable) or sent
    std::uint64_t queued_bytes = 0;
    std::uint64_t unsent_messages = 0;
    std::uint64_t rx_buffered_bytes = 0;  // reassembly and out-of-order, charged to reassembly_cap
    std::uint64_t rx_held_bytes = 0;      // heap those buffers really take, charged to the budget
    std::uint64_t sent_packets_retired = 0;  // tracked packets given up when the ring was full
    // Received datagrams that were dropped, by cause.
    std::uint64_t dropped_short = 0;      // shorter than the header
    std::uint64_t dropped_header = 0;     // wrong version or flags
    std::uint64_t dropped_malformed = 0;  // a frame failed to decode or was out of range
    std::uint64_t dropped_duplicate = 0;  // packet number already received
    std::uint64_t dropped_too_old = 0;    // packet number behind the receive window
    std::uint64_t dropped_budget = 0;     // global reassembly budget exhausted (not acked)
    std::uint64_t dropped_unreliable_fragments = 0;  // expired or evicted unreliable parts
};

class Channel {
public:
    // Throws std::invalid_argument if validate(config) fails. `budget`, if given, is
    // shared with other channels and must outlive this one.
    Channel(const ChannelConfig& config, Time now, ChannelEvents& events,
            ReassemblyBudget* budget = nullptr);
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
    // The reason byte the peer put in its CLOSE frame (when close_reason() is remote).
    std::uint8_t peer_close_code() const { return peer_close_code_; }
    ChannelStats stats() const;
    const ChannelConfig& config() const { return config_; }
    // Sent packets tracked for acknowledgement; never above kMaxSentPackets.
    std::size_t sent_ring_size() const { return sent_.size(); }
    // Bound of the sent-packet ring: 8192 packets keep the default 8 MiB flow-control
    // window (about 7,400 full packets) in flight. When it is full the oldest entry is
    // given up (declared lost first if still outstanding).
    static constexpr std::size_t kMaxSentPackets = 8192;

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
    enum class RefKind : std::uint8_t { messages, fragment };
    struct FrameRef {
        std::uint64_t id = 0;
        std::uint32_t index = 0;  // fragment index, or message count
        std::uint8_t lane = 0;
        RefKind kind = RefKind::messages;
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
    // A message held by the receiver: whole (early on an ordered lane) or in parts.
    // Parts are stored in segments allocated as they arrive, so memory follows what
    // was received, not the size the first part announces.
    struct Pending {
        std::unique_ptr<std::byte[]> data;  // the whole message, when it is in one piece
        std::vector<std::unique_ptr<std::byte[]>> segments;  // parts, seg_frags per segment
        std::vector<std::uint64_t> have;
        std::uint32_t size = 0;
        std::uint32_t frag_count = 0;
        std::uint32_t frags = 0;
        std::uint32_t chunk = 0;
        std::uint32_t seg_frags = 0;
        std::uint64_t charged = 0;  // counted against reassembly_cap (the message's footprint)
        std::uint64_t held = 0;     // heap bytes really held, charged to the budget
        Time first_seen{};
        bool complete = false;
        std::span<const std::byte> bytes() const {
            return {data ? data.get() : segments.empty() ? nullptr : segments[0].get(), size};
        }
    };
    struct LaneRx {
        LaneKind kind = LaneKind::reliable_ordered;
        std::uint64_t next = 0;  // ordered/unordered: lowest undelivered; sequenced: newest+1
        std::uint64_t highest = 0;  // unreliable: reference for id expansion
        std::vector<std::uint64_t> delivered;  // unordered: window bitmap
        std::unordered_map<std::uint64_t, Pending> pending;
        std::uint64_t bucket_held = 0;  // heap of pending's bucket array, charged as held
    };
    // A held message's hash-map node (the Pending and its key, behind a next pointer).
    static constexpr std::size_t kEntryNodeBytes = sizeof(void*) + sizeof(std::pair<const std::uint64_t, Pending>);
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

    // Receive side.
    bool validate_frames(std::span<const std::byte> body, bool* saw_close = nullptr,
                         bool* eliciting = nullptr) const;
    enum class Apply : std::uint8_t { ok, stop, unacked };
    Apply apply_frames(std::span<const std::byte> body, Time now, bool& ack_eliciting);
    void on_ack_frame(const wire::AckFrame& ack, Time now);
    void on_acked_range(std::uint64_t lo, std::uint64_t hi, Time now, bool& newest_found, SentPacket& newest);
    Apply on_message_frame(std::size_t lane, std::uint64_t id, std::span<const std::byte> msg, Time now);
    Apply on_fragment(std::size_t lane, std::uint32_t wire_id, std::uint32_t total, std::uint32_t chunk,
                      std::uint32_t index, std::span<const std::byte> data, Time now);
    void deliver(std::size_t lane, std::span<const std::byte> msg, Time now);
    void drain_ordered(std::size_t lane, Time now);
    void mark_unordered_delivered(LaneRx& rx, std::uint64_t id);
    bool unordered_delivered(const LaneRx& rx, std::uint64_t id) const;
    enum class Charge : std::uint8_t { ok, overflow, budget };
    Charge charge(std::uint64_t footprint, std::uint64_t held);
    bool hold(std::uint64_t held);
    void release_held(std::uint64_t held);
    void uncharge(const Pending& p);
    void erase_pending(LaneRx& rx, std::uint64_t id);
    void account_buckets(LaneRx& rx);
    void give_back_buckets(LaneRx& rx);
    void release_receive_buffers();
    bool make_room_unreliable(LaneRx& rx, std::uint64_t need);
    void expire_fragments(Time now);
    void sweep_reliable(Time now);
    void note_reliable_held(Time now);
    Apply start_partial(LaneRx& rx, std::uint64_t id, std::uint32_t total, std::uint32_t chunk, Time now,
                        Pending*& out);
    bool store_part(Pending& p, std::uint32_t index, std::span<const std::byte> data);
    void assemble(Pending& p);
    void record_received(std::uint64_t pn, Time now);
    bool already_received(std::uint64_t pn) const;

    // Send side.
    bool has_sendable(const LaneTx& tx) const;
    bool has_new_data(const LaneTx& tx) const;
    bool any_sendable() const;
    bool can_start(const LaneTx& tx, const OutMsg& m) const;
    void write_ack(wire::Writer& w, Time now);
    bool write_retransmissions(wire::Writer& w, LaneTx& tx, std::int64_t& deficit);
    void write_new_data(wire::Writer& w);
    bool write_from_lane(wire::Writer& w, std::size_t lane, std::int64_t& budget);
    void push_ref(const FrameRef& r);
    void on_packet_acked(std::uint64_t pn, Time now);
    void on_packet_lost(std::uint64_t pn);
    void on_spurious_loss(std::uint64_t pn, Time now);
    void ack_ref(const FrameRef& r);
    void pop_acked(LaneTx& tx);
    void release(OutMsg& m);
    void detect_losses(Time now);
    void on_pto(Time now);
    void pop_resolved_packets();
    void track_sent(const SentPacket& p);
    Duration pto() const;
    Time pto_deadline() const;
    Duration loss_delay() const;
    bool pacing_allows(Time now);
    Time pacing_ready() const;
    std::span<const std::byte> finish_control(wire::Writer& w);

    // Lifecycle.
    void on_timers(Time now);
    void set_state(State next, Time now);
    void begin_close(EndCode reason, Time now);
    void finish(EndCode reason, Time now);
    bool all_acked() const;

    ChannelConfig config_;
    ChannelEvents& events_;
    ReassemblyBudget* budget_;
    State state_ = State::open;
    EndCode close_reason_ = EndCode::none;
    std::uint8_t peer_close_code_ = 0;
    std::uint8_t close_code_ = 0;
    Time now_{};

    // Send side state.
    std::vector<LaneTx> tx_;
    std::vector<std::vector<std::size_t>> prio_groups_;  // lane indices by priority
    std::vector<std::size_t> rr_cursor_;
    MessageArena arena_;
    std::uint64_t queued_bytes_ = 0;
    std::uint64_t queued_messages_ = 0;
    std::uint64_t outstanding_ = 0;  // flow-control window use
    Ring<FrameRef> refs_;
    std::uint64_t refs_base_ = 0;
    Ring<SentPacket> sent_;
    std::uint64_t sent_base_ = 0;  // packet number of sent_[0]
    std::uint64_t next_pn_ = 0;
    std::uint64_t largest_acked_ = 0;
    bool any_acked_ = false;
    std::uint64_t bytes_in_flight_ = 0;
    std::uint64_t ack_eliciting_in_flight_ = 0;
    Time last_ack_eliciting_sent_{};
    Time last_send_{};
    Time loss_time_ = Time::max();
    std::uint32_t pto_backoff_ = 0;
    std::uint8_t probes_pending_ = 0;  // PTO probes that may bypass the window
    std::uint64_t packet_threshold_;   // reordering tolerated before loss, in packets
    std::uint32_t reorder_eighths_ = 1;  // time threshold: (1 + n/8) * RTT
    bool ping_pending_ = false;
    Congestion cc_;
    double pacing_tokens_ = 0;
    Time pacing_stamp_{};
    std::uint64_t delivered_ = 0;
    Time delivered_time_{};
    Time first_sent_time_{};
    std::uint64_t app_limited_until_ = 0;
    bool has_rtt_ = false;
    Duration srtt_{};
    Duration rttvar_{};
    Duration min_rtt_{};
    Duration latest_rtt_{};
    Time close_deadline_ = Time::max();
    Time flush_deadline_ = Time::max();  // flushing: closes then unless data was acknowledged
    std::uint64_t frames_acked_ = 0;     // messages and fragments acknowledged, ever
    Time close_resend_at_ = Time::max();
    bool close_ack_pending_ = false;

    // Receive side state.
    std::vector<LaneRx> rx_;
    std::uint64_t rx_buffered_ = 0;
    std::uint64_t rx_held_ = 0;  // heap bytes of the receive buffers (taken from budget_)
    Time reliable_sweep_at_ = Time::max();  // next look for reliable messages left incomplete
    bool recv_any_ = false;
    std::uint64_t largest_recv_ = 0;
    Time largest_recv_time_{};
    std::uint64_t first_recv_ = 0;
    std::uint64_t lowest_unreported_ = ~std::uint64_t{0};  // lowest packet received since the last ACK
    std::vector<std::uint64_t> recv_bits_;  // dedup window, bit per packet number
    std::uint32_t unacked_eliciting_ = 0;
    bool ack_now_ = false;
    Time ack_deadline_ = Time::max();
    Time last_recv_{};
    Time last_eliciting_recv_{};
    std::size_t unreliable_partials_ = 0;

    ChannelStats stats_;
    std::vector<std::byte> out_;
};

}  // namespace gs::channel
