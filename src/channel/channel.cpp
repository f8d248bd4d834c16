#include "channel/channel.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>
#include <string>

namespace gs::channel {

namespace {

// Forgets the oldest sent packet and the frame references only it held.
template <class SentRing, class RefRing>
void pop_oldest_sent(SentRing& sent, RefRing& refs, std::uint64_t& sent_base, std::uint64_t& refs_base) {
    const std::uint64_t end = sent.front().refs_begin + sent.front().refs_count;
    while (refs_base < end) {
        refs.pop_front();
        ++refs_base;
    }
    sent.pop_front();
    ++sent_base;
}

using namespace std::chrono_literals;
using wire::FrameType;

// Packets remembered for duplicate detection; older ones are dropped unread.
constexpr std::uint64_t kRecvWindow = 4096;
// Message ids a reliable lane may have between its oldest unacknowledged and newest sent.
constexpr std::uint64_t kMessageWindow = 1u << 16;
// Bytes charged per message on top of its size (bookkeeping) in every window and cap.
constexpr std::uint64_t kMessageOverhead = 64;
// Packets acknowledged at once by a receiver.
constexpr std::uint32_t kAckEvery = 2;
// Packet reordering tolerated before a packet counts as lost.
constexpr std::uint64_t kPacketThreshold = 3;
constexpr std::size_t kMaxUnreliablePartials = 8;
constexpr std::int64_t kQuantum = 512;
constexpr Duration kMaxReportedAckDelay = 100ms;
constexpr std::uint32_t kMaxBackoff = 10;
constexpr std::uint32_t kMaxReorderEighths = 8;
// CLOSE is repeated every probe timeout for this many timeouts or until CLOSE_ACK.
constexpr int kCloseAttempts = 8;
// Bounds of the flush deadline (close_after_flush), around 3 PTOs.
constexpr Duration kMinFlushTimeout = 1s;
constexpr Duration kMaxFlushTimeout = 5s;
// Received parts of a message are stored in segments of about this many bytes (a whole
// number of parts), so a lone part holds one segment, not the whole message.
constexpr std::uint32_t kSegmentBytes = 16 * 1024;

std::uint64_t footprint(std::uint64_t size) { return size + kMessageOverhead; }
// Heap bytes an allocation of n bytes really takes with glibc malloc: an 8-byte header,
// 16-byte granules, 32 bytes at least.
constexpr std::uint64_t heap_cost(std::uint64_t n) {
    return n == 0 ? 0 : std::max<std::uint64_t>(32, (n + 8 + 15) & ~std::uint64_t{15});
}
double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
Duration from_seconds(double s) {
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}
bool test_bit(const std::uint64_t* bits, std::uint64_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }
void set_bit(std::uint64_t* bits, std::uint64_t i) { bits[i >> 6] |= std::uint64_t{1} << (i & 63); }
void clear_bit(std::uint64_t* bits, std::uint64_t i) {
    bits[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
}

}  // namespace

std::string_view to_string(SendResult r) {
    switch (r) {
    case SendResult::ok: return "ok";
    case SendResult::queue_full: return "queue_full";
    case SendResult::too_large: return "too_large";
    case SendResult::bad_lane: return "bad_lane";
    case SendResult::closed: return "closed";
    }
    return "unknown";
}

std::string_view to_string(State s) {
    switch (s) {
    case State::open: return "open";
    case State::flushing: return "flushing";
    case State::closing: return "closing";
    case State::closed: return "closed";
    }
    return "unknown";
}

Channel::Channel(const ChannelConfig& config, Time now, ChannelEvents& events, ReassemblyBudget* budget)
    : config_(config),
      events_(events),
      budget_(budget),
      now_(now),
      cc_(config.max_datagram, config.max_send_rate, config.initial_rtt) {
    if (auto error = validate(config); !error.empty())
        throw std::invalid_argument("channel config: " + error);
    const std::size_t n = config_.lanes.size();
    tx_.resize(n);
    rx_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        tx_[i].cfg = config_.lanes[i];
        tx_[i].reliable = is_reliable(config_.lanes[i].kind);
        tx_[i].base_id = tx_[i].send_pos = config_.first_sequence;
        rx_[i].kind = config_.lanes[i].kind;
        rx_[i].next = rx_[i].highest = config_.first_sequence;
        if (rx_[i].kind == LaneKind::reliable_unordered) rx_[i].delivered.assign(kMessageWindow / 64, 0);
    }
    for (unsigned p = knobs::lane_priority.min; p <= knobs::lane_priority.max; ++p) {
        std::vector<std::size_t> group;
        for (std::size_t i = 0; i < n; ++i)
            if (config_.lanes[i].priority == p) group.push_back(i);
        if (!group.empty()) prio_groups_.push_back(std::move(group));
    }
    rr_cursor_.assign(prio_groups_.size(), 0);
    // Lanes below the top priority may fill only 3/4 of the flow-control window, so
    // bulk transfers never lock game traffic out of it.
    for (std::size_t g = 0; g < prio_groups_.size(); ++g)
        for (auto lane : prio_groups_[g])
            tx_[lane].window = g == 0 ? config_.reassembly_cap : config_.reassembly_cap - config_.reassembly_cap / 4;
    next_pn_ = sent_base_ = config_.first_sequence;
    packet_threshold_ = kPacketThreshold;
    last_recv_ = last_send_ = pacing_stamp_ = now;
    delivered_time_ = first_sent_time_ = now;
    pacing_tokens_ = 16.0 * config_.max_datagram;
    srtt_ = config_.initial_rtt;
    rttvar_ = config_.initial_rtt / 2;
    recv_bits_.assign(kRecvWindow / 64, 0);
    out_.resize(config_.max_datagram);
}

Channel::~Channel() {
    if (budget_ && rx_held_) budget_->release(rx_held_);
}

// ---------------------------------------------------------------------------------
// Sending

SendResult Channel::send(std::size_t lane, std::span<const std::byte> message, Time now) {
    now_ = now;
    if (state_ != State::open) return SendResult::closed;
    if (lane >= tx_.size()) return SendResult::bad_lane;
    if (message.size() > config_.max_message) return SendResult::too_large;
    if (queued_bytes_ + footprint(message.size()) > config_.send_queue_cap) return SendResult::queue_full;

    auto& tx = tx_[lane];
    OutMsg m;
    m.size = static_cast<std::uint32_t>(message.size());
    if (message.size() <= MessageArena::kMaxSmall) {
        m.data = arena_.allocate(message.size(), m.block);
    } else {
        m.large = std::make_unique_for_overwrite<std::byte[]>(message.size());
        m.data = m.large.get();
    }
    if (!message.empty()) std::memcpy(m.data, message.data(), message.size());
    if (message.size() > wire::max_unfragmented(config_.max_datagram)) {
        const auto chunk = wire::chunk_size(config_.max_datagram);
        m.frag_count = static_cast<std::uint32_t>((message.size() + chunk - 1) / chunk);
        if (tx.reliable) m.frag_acked = std::make_unique<std::uint64_t[]>((m.frag_count + 63) / 64);
    }
    tx.msgs.push_back(std::move(m));
    queued_bytes_ += footprint(message.size());
    ++queued_messages_;
    ++stats_.messages_sent;
    return SendResult::ok;
}

void Channel::release(OutMsg& m) {
    if (m.block != MessageArena::kNoBlock) arena_.release(m.block);
    m.block = MessageArena::kNoBlock;
    m.large.reset();
    m.frag_acked.reset();
    queued_bytes_ -= footprint(m.size);
    --queued_messages_;
}

bool Channel::can_start(const LaneTx& tx, const OutMsg& m) const {
    if (!tx.reliable || m.counted) return true;
    if (tx.send_pos - tx.base_id >= kMessageWindow) return false;
    return outstanding_ == 0 || outstanding_ + footprint(m.size) <= tx.window;
}

bool Channel::has_sendable(const LaneTx& tx) const { return !tx.rtx.empty() || has_new_data(tx); }

bool Channel::has_new_data(const LaneTx& tx) const {
    if (tx.send_pos >= tx.next_id()) return false;
    const auto& m = tx.msgs[tx.send_pos - tx.base_id];
    return m.next_frag > 0 || can_start(tx, m);
}

bool Channel::any_sendable() const {
    for (const auto& tx : tx_)
        if (has_sendable(tx)) return true;
    return false;
}

void Channel::push_ref(const FrameRef& r) { refs_.push_back(r); }

void Channel::write_ack(wire::Writer& w, Time now) {
    const std::uint64_t largest = largest_recv_;
    std::uint64_t floor = largest >= kRecvWindow - 1 ? largest - (kRecvWindow - 1) : 0;
    floor = std::max(floor, first_recv_);
    floor = std::max(floor, std::min(lowest_unreported_, largest >= wire::kAckRedundancy ? largest - wire::kAckRedundancy : 0));
    const std::uint64_t* bits = recv_bits_.data();
    // Consecutive packet numbers from `pos` downwards (not below floor) whose bit is `set`,
    // a 64-bit word at a time (bit by bit this was a tenth of a small packet's cost).
    auto run = [&](std::uint64_t pos, bool set) {
        std::uint64_t n = 0;
        while (pos - n >= floor) {
            const std::uint64_t at = pos - n;
            const std::uint64_t i = at % kRecvWindow;
            const unsigned below = static_cast<unsigned>(i & 63) + 1;  // bits i&63 .. 0 of its word
            const std::uint64_t left = at - floor + 1;  // positions from `at` down to floor
            const std::uint64_t word = set ? bits[i >> 6] : ~bits[i >> 6];
            const std::uint64_t same = std::min<std::uint64_t>(
                {static_cast<std::uint64_t>(std::countl_one(word << (64 - below))), below, left});
            n += same;
            if (same < below || same == left) break;  // the run ended, or reached floor
        }
        return n;
    };

    auto delay = std::chrono::duration_cast<std::chrono::microseconds>(now - largest_recv_time_).count() /
                 wire::kAckDelayUnitUs;
    const std::size_t start = w.size();
    w.u8(static_cast<std::uint8_t>(FrameType::ack));
    w.u32(static_cast<std::uint32_t>(largest));
    w.u16(static_cast<std::uint16_t>(std::clamp<std::int64_t>(delay, 0, 0xffff)));
    std::byte* count_pos = w.position();
    w.u8(0);
    std::uint64_t first = run(largest, true);
    w.varint(static_cast<std::uint32_t>(first - 1));
    std::uint64_t smallest = largest - (first - 1);
    std::uint8_t count = 0;
    while (count < wire::kMaxAckRanges && smallest > floor) {
        const std::uint64_t gap = run(smallest - 1, false);
        if (gap == 0 || smallest - gap <= floor) break;
        const std::uint64_t top = smallest - 1 - gap;
        const std::uint64_t len = run(top, true);
        const std::size_t need = wire::varint_size(gap - 1) + wire::varint_size(len - 1);
        if (w.size() - start + need > wire::kMaxAckFrameSize) break;
        w.varint(static_cast<std::uint32_t>(gap - 1));
        w.varint(static_cast<std::uint32_t>(len - 1));
        ++count;
        smallest = top - (len - 1);
    }
    *count_pos = std::byte(count);
}

bool Channel::write_retransmissions(wire::Writer& w, LaneTx& tx, std::int64_t& deficit) {
    const auto chunk = wire::chunk_size(config_.max_datagram);
    const std::size_t start = w.size();
    while (!tx.rtx.empty() && deficit > static_cast<std::int64_t>(w.size() - start)) {
        FrameRef& r = tx.rtx.front();
        if (r.kind == RefKind::fragment) {
            if (r.id < tx.base_id) {
                tx.rtx.pop_front();
                continue;
            }
            const OutMsg& m = tx.msgs[r.id - tx.base_id];
            if (m.acked || test_bit(m.frag_acked.get(), r.index)) {
                tx.rtx.pop_front();
                continue;
            }
            const std::size_t off = std::size_t{r.index} * chunk;
            const std::size_t len = std::min<std::size_t>(chunk, m.size - off);
            if (w.remaining() < wire::kFragmentHeaderSize + len) {
                deficit -= static_cast<std::int64_t>(w.size() - start);
                return false;
            }
            w.u8(static_cast<std::uint8_t>(FrameType::fragment));
            w.u8(r.lane);
            w.u32(static_cast<std::uint32_t>(r.id));
            w.u32(m.size);
            w.u16(static_cast<std::uint16_t>(chunk));
            w.u32(r.index);
            w.bytes({m.data + off, len});
            push_ref(r);
            ++stats_.retransmitted;
            stats_.bytes_retransmitted += len;
            tx.rtx.pop_front();
            continue;
        }
        // A run of whole messages: resend the ones not yet acknowledged.
        while (r.index > 0) {
            if (r.id < tx.base_id || tx.msgs[r.id - tx.base_id].acked) {
                ++r.id;
                --r.index;
                continue;
            }
            const OutMsg& first = tx.msgs[r.id - tx.base_id];
            if (w.remaining() < wire::kMessagesHeaderSize + wire::varint_size(first.size) + first.size) {
                deficit -= static_cast<std::int64_t>(w.size() - start);
                return false;
            }
            w.u8(static_cast<std::uint8_t>(FrameType::messages));
            w.u8(r.lane);
            w.u32(static_cast<std::uint32_t>(r.id));
            std::byte* count_pos = w.position();
            w.u8(0);
            const std::uint64_t first_id = r.id;
            std::uint32_t count = 0;
            bool full = false;
            while (r.index > 0 && count < wire::kMaxMessagesPerFrame) {
                if (r.id < tx.base_id) break;
                const OutMsg& m = tx.msgs[r.id - tx.base_id];
                if (m.acked) break;
                if (w.remaining() < wire::varint_size(m.size) + m.size) {
                    full = true;
                    break;
                }
                w.varint(m.size);
                w.bytes({m.data, m.size});
                stats_.bytes_retransmitted += m.size;
                ++count;
                ++r.id;
                --r.index;
            }
            *count_pos = std::byte(count);
            push_ref({first_id, count, r.lane, RefKind::messages});
            stats_.retransmitted += count;
            if (full) {
                deficit -= static_cast<std::int64_t>(w.size() - start);
                return false;
            }
        }
        tx.rtx.pop_front();
    }
    deficit -= static_cast<std::int64_t>(w.size() - start);
    return true;
}

bool Channel::write_from_lane(wire::Writer& w, std::size_t lane, std::int64_t& deficit) {
    auto& tx = tx_[lane];
    const auto chunk = wire::chunk_size(config_.max_datagram);
    std::byte* count_pos = nullptr;
    std::uint32_t count = 0;
    std::uint64_t first_id = 0;
    auto close_frame = [&] {
        if (!count_pos) return;
        *count_pos = std::byte(count);
        if (tx.reliable) push_ref({first_id, count, static_cast<std::uint8_t>(lane), RefKind::messages});
        count_pos = nullptr;
    };
    if (!tx.rtx.empty() && !write_retransmissions(w, tx, deficit)) return false;
    bool fits = true;
    while (deficit > 0 && has_new_data(tx)) {
        const std::uint64_t id = tx.send_pos;
        OutMsg& m = tx.msgs[id - tx.base_id];
        if (m.frag_count == 0) {
            const std::size_t need = wire::varint_size(m.size) + m.size;
            if (!count_pos || count == wire::kMaxMessagesPerFrame || w.remaining() < need) {
                close_frame();
                if (w.remaining() < wire::kMessagesHeaderSize + need) {
                    fits = false;
                    break;
                }
                w.u8(static_cast<std::uint8_t>(FrameType::messages));
                w.u8(static_cast<std::uint8_t>(lane));
                w.u32(static_cast<std::uint32_t>(id));
                count_pos = w.position();
                w.u8(0);
                first_id = id;
                count = 0;
            }
            w.varint(m.size);
            w.bytes({m.data, m.size});
            ++count;
            ++tx.send_pos;
            deficit -= static_cast<std::int64_t>(need);
        } else {
            const std::size_t off = std::size_t{m.next_frag} * chunk;
            const std::size_t len = std::min<std::size_t>(chunk, m.size - off);
            close_frame();
            if (w.remaining() < wire::kFragmentHeaderSize + len) {
                fits = false;
                break;
            }
            w.u8(static_cast<std::uint8_t>(FrameType::fragment));
            w.u8(static_cast<std::uint8_t>(lane));
            w.u32(static_cast<std::uint32_t>(id));
            w.u32(m.size);
            w.u16(static_cast<std::uint16_t>(chunk));
            w.u32(m.next_frag);
            w.bytes({m.data + off, len});
            if (tx.reliable) push_ref({id, m.next_frag, static_cast<std::uint8_t>(lane), RefKind::fragment});
            if (++m.next_frag == m.frag_count) ++tx.send_pos;
            deficit -= static_cast<std::int64_t>(wire::kFragmentHeaderSize + len);
        }
        if (tx.reliable && !m.counted) {
            m.counted = true;
            outstanding_ += footprint(m.size);
        }
    }
    close_frame();
    if (!tx.reliable) {
        while (!tx.msgs.empty() && tx.base_id < tx.send_pos) {
            release(tx.msgs.front());
            tx.msgs.pop_front();
            ++tx.base_id;
        }
    }
    return fits;
}

void Channel::write_new_data(wire::Writer& w) {
    for (std::size_t g = 0; g < prio_groups_.size(); ++g) {
        const auto& lanes = prio_groups_[g];
        const std::size_t n = lanes.size();
        for (;;) {
            bool any = false;
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t at = (rr_cursor_[g] + k) % n;
                auto& tx = tx_[lanes[at]];
                if (!has_sendable(tx)) {
                    tx.deficit = 0;
                    continue;
                }
                any = true;
                if (tx.deficit <= 0) tx.deficit += kQuantum * tx.cfg.weight;
                if (!write_from_lane(w, lanes[at], tx.deficit)) {
                    rr_cursor_[g] = at;
                    return;
                }
            }
            if (!any) break;
        }
    }
}

bool Channel::pacing_allows(Time now) {
    const double rate = cc_.pacing_rate();
    if (rate <= 0) return true;
    const double burst = std::max(16.0 * config_.max_datagram, rate * 0.001);
    if (now > pacing_stamp_) {
        pacing_tokens_ = std::min(burst, pacing_tokens_ + rate * seconds(now - pacing_stamp_));
        pacing_stamp_ = now;
    }
    return pacing_tokens_ > 0;
}

Time Channel::pacing_ready() const {
    const double rate = cc_.pacing_rate();
    if (rate <= 0 || pacing_tokens_ > 0) return now_;
    return pacing_stamp_ + from_seconds((1.0 - pacing_tokens_) / rate);
}

std::span<const std::byte> Channel::finish_control(wire::Writer& w) {
    SentPacket p;
    p.sent = now_;
    p.bytes = static_cast<std::uint32_t>(w.size());
    p.refs_begin = refs_base_ + refs_.size();
    track_sent(p);
    ++next_pn_;
    ++stats_.packets_sent;
    stats_.bytes_sent += w.size();
    last_send_ = now_;
    return {out_.data(), w.size()};
}

std::span<const std::byte> Channel::next_datagram(Time now) {
    now_ = now;
    on_timers(now);
    wire::Writer w(out_.data(), config_.max_datagram);
    if (state_ == State::closed) {
        if (!close_ack_pending_) return {};
        close_ack_pending_ = false;
        w.u8(wire::kHeaderByte);
        w.u32(static_cast<std::uint32_t>(next_pn_));
        w.u8(static_cast<std::uint8_t>(FrameType::close_ack));
        return finish_control(w);
    }
    if (state_ == State::closing) {
        if (now < close_resend_at_) return {};
        close_resend_at_ = now + pto();
        w.u8(wire::kHeaderByte);
        w.u32(static_cast<std::uint32_t>(next_pn_));
        w.u8(static_cast<std::uint8_t>(FrameType::close));
        w.u8(close_code_);
        return finish_control(w);
    }

    const bool ack_due = recv_any_ && unacked_eliciting_ > 0 &&
                         (ack_now_ || unacked_eliciting_ >= kAckEvery || now >= ack_deadline_);
    const bool window_open = bytes_in_flight_ + config_.max_datagram <= cc_.window();
    const bool have_data = any_sendable();
    const bool may_send_data = (window_open || probes_pending_ > 0) && have_data;
    if (!ack_due && !ping_pending_ && probes_pending_ == 0 && !may_send_data) {
        if (window_open && !have_data) app_limited_until_ = delivered_ + bytes_in_flight_ + 1;
        return {};
    }

    w.u8(wire::kHeaderByte);
    w.u32(static_cast<std::uint32_t>(next_pn_));
    // ACKs ride along while the peer is sending ack-eliciting packets (a lost ACK is
    // repaired by the next packet); a peer that only sends ACKs gets none back.
    const bool include_ack =
        recv_any_ && (unacked_eliciting_ > 0 || now - last_eliciting_recv_ <= 2 * srtt_);
    if (include_ack) write_ack(w, now);
    const std::size_t before = w.size();
    const std::uint64_t refs_begin = refs_base_ + refs_.size();
    if (may_send_data && pacing_allows(now)) write_new_data(w);
    bool eliciting = w.size() > before;
    if (!eliciting && (ping_pending_ || probes_pending_ > 0)) {
        w.u8(static_cast<std::uint8_t>(FrameType::ping));
        eliciting = true;
    }
    if (!eliciting && !ack_due) return {};
    ping_pending_ = false;
    if (eliciting && probes_pending_ > 0) --probes_pending_;

    SentPacket p;
    p.sent = now;
    p.bytes = static_cast<std::uint32_t>(w.size());
    p.refs_begin = refs_begin;
    p.refs_count = static_cast<std::uint32_t>(refs_base_ + refs_.size() - refs_begin);
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
        pacing_tokens_ -= p.bytes;
    }
    track_sent(p);
    ++next_pn_;
    if (include_ack) {
        unacked_eliciting_ = 0;
        ack_now_ = false;
        ack_deadline_ = Time::max();
        lowest_unreported_ = ~std::uint64_t{0};
    }
    last_send_ = now;
    ++stats_.packets_sent;
    stats_.bytes_sent += p.bytes;
    return {out_.data(), w.size()};
}

// ---------------------------------------------------------------------------------
// Acknowledgements, loss detection, RTT

Duration Channel::pto() const {
    Duration d = srtt_ + std::max<Duration>(4 * rttvar_, 1ms) + config_.max_ack_delay;
    return std::max(d, config_.min_rto);
}

Time Channel::pto_deadline() const {
    if (ack_eliciting_in_flight_ == 0) return Time::max();
    return last_ack_eliciting_sent_ + pto() * (1u << std::min(pto_backoff_, kMaxBackoff));
}

Duration Channel::loss_delay() const {
    Duration base = has_rtt_ ? std::max(srtt_, latest_rtt_) : config_.initial_rtt;
    return std::max<Duration>(base + base * reorder_eighths_ / 8, 1ms);
}

void Channel::ack_ref(const FrameRef& r) {
    auto& tx = tx_[r.lane];
    if (r.kind == RefKind::messages) {
        for (std::uint32_t k = 0; k < r.index; ++k) {
            const std::uint64_t id = r.id + k;
            if (id < tx.base_id || tx.msgs[id - tx.base_id].acked) continue;
            tx.msgs[id - tx.base_id].acked = true;
            ++frames_acked_;
        }
    } else {
        if (r.id < tx.base_id) return;
        OutMsg& m = tx.msgs[r.id - tx.base_id];
        if (m.acked || test_bit(m.frag_acked.get(), r.index)) return;
        set_bit(m.frag_acked.get(), r.index);
        ++frames_acked_;
        if (++m.frags_acked == m.frag_count) m.acked = true;
    }
    pop_acked(tx);
}

void Channel::pop_acked(LaneTx& tx) {
    while (!tx.msgs.empty() && tx.msgs.front().acked) {
        OutMsg& m = tx.msgs.front();
        if (m.counted) outstanding_ -= footprint(m.size);
        release(m);
        tx.msgs.pop_front();
        ++tx.base_id;
    }
}

void Channel::on_packet_acked(std::uint64_t pn, Time now) {
    SentPacket& p = sent_[pn - sent_base_];
    p.status = PacketStatus::acked;
    bytes_in_flight_ -= p.bytes;
    --ack_eliciting_in_flight_;
    delivered_ += p.bytes;
    delivered_time_ = now;
    cc_.on_outcome(p.bytes, p.phase, false);
    for (std::uint64_t i = p.refs_begin; i < p.refs_begin + p.refs_count; ++i) ack_ref(refs_[i - refs_base_]);
}

void Channel::on_spurious_loss(std::uint64_t pn, Time now) {
    // The peer had it after all: its data is acknowledged, and from now on loss
    // detection tolerates reordering by time only, with a wider window (RACK).
    SentPacket& p = sent_[pn - sent_base_];
    p.status = PacketStatus::acked;
    ++stats_.spurious_losses;
    cc_.undo_loss(p.bytes, p.phase);
    delivered_ += p.bytes;
    delivered_time_ = now;
    packet_threshold_ = std::numeric_limits<std::uint64_t>::max() / 2;
    reorder_eighths_ = std::min<std::uint32_t>(reorder_eighths_ + 1, kMaxReorderEighths);
    for (std::uint64_t i = p.refs_begin; i < p.refs_begin + p.refs_count; ++i) ack_ref(refs_[i - refs_base_]);
}

void Channel::on_packet_lost(std::uint64_t pn) {
    SentPacket& p = sent_[pn - sent_base_];
    p.status = PacketStatus::lost;
    bytes_in_flight_ -= p.bytes;
    --ack_eliciting_in_flight_;
    ++stats_.packets_lost;
    cc_.on_outcome(p.bytes, p.phase, true);
    for (std::uint64_t i = p.refs_begin; i < p.refs_begin + p.refs_count; ++i)
        tx_[refs_[i - refs_base_].lane].rtx.push_back(refs_[i - refs_base_]);
}

void Channel::pop_resolved_packets() {
    // Lost packets stay while an ACK frame could still name them (spurious loss).
    while (!sent_.empty() && sent_.front().status != PacketStatus::outstanding &&
           (sent_.front().status != PacketStatus::lost || sent_base_ + wire::kAckRedundancy < largest_acked_)) {
        pop_oldest_sent(sent_, refs_, sent_base_, refs_base_);
    }
}

// Records a sent packet. A peer that never acknowledges would otherwise grow the ring
// for good (entries behind a lost one wait for an ACK naming it), so at kMaxSentPackets
// the oldest entry is given up: declared lost first if still outstanding, so its frames
// go back to their retransmission queues and no data depends on the entry any more.
void Channel::track_sent(const SentPacket& p) {
    if (sent_.size() >= kMaxSentPackets) {
        if (sent_.front().status == PacketStatus::outstanding) on_packet_lost(sent_base_);
        ++stats_.sent_packets_retired;
        pop_oldest_sent(sent_, refs_, sent_base_, refs_base_);
    }
    sent_.push_back(p);
}

void Channel::detect_losses(Time now) {
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

void Channel::on_pto(Time now) {
    ++stats_.pto_count;
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

void Channel::on_acked_range(std::uint64_t lo, std::uint64_t hi, Time now, bool& newest_found, SentPacket& newest) {
    if (hi < sent_base_) return;
    lo = std::max(lo, sent_base_);
    for (std::uint64_t pn = hi + 1; pn-- > lo;) {
        SentPacket& p = sent_[pn - sent_base_];
        if (p.status == PacketStatus::lost) {
            on_spurious_loss(pn, now);
            continue;
        }
        if (p.status != PacketStatus::outstanding) continue;
        if (!newest_found) {
            newest = p;
            newest_found = true;
        }
        on_packet_acked(pn, now);
    }
}

void Channel::on_ack_frame(const wire::AckFrame& ack, Time now) {
    if (next_pn_ == config_.first_sequence) {
        begin_close(EndCode::protocol_error, now);
        return;
    }
    const std::uint64_t largest = wire::expand(next_pn_ - 1, ack.largest);
    if (largest >= next_pn_) {
        begin_close(EndCode::protocol_error, now);
        return;
    }
    const bool largest_outstanding =
        largest >= sent_base_ && sent_[largest - sent_base_].status == PacketStatus::outstanding;
    Time largest_sent{};
    if (largest_outstanding) largest_sent = sent_[largest - sent_base_].sent;

    bool newest_found = false;
    SentPacket newest;
    const std::uint64_t prior_in_flight = bytes_in_flight_;
    const std::uint64_t prior_acked = frames_acked_;
    if (ack.first_range <= largest) {
        std::uint64_t hi = largest, lo = largest - ack.first_range;
        on_acked_range(lo, hi, now, newest_found, newest);
        for (unsigned i = 0; i < ack.range_count; ++i) {
            if (lo < std::uint64_t{ack.gap[i]} + 2) break;
            hi = lo - ack.gap[i] - 2;
            if (hi < ack.length[i]) break;
            lo = hi - ack.length[i];
            on_acked_range(lo, hi, now, newest_found, newest);
        }
    }
    if (!any_acked_ || largest > largest_acked_) {
        largest_acked_ = largest;
        any_acked_ = true;
    }
    if (largest_outstanding) {
        Duration sample = now - largest_sent;
        latest_rtt_ = sample;
        if (!has_rtt_) {
            has_rtt_ = true;
            srtt_ = sample;
            rttvar_ = sample / 2;
            min_rtt_ = sample;
        } else {
            min_rtt_ = std::min(min_rtt_, sample);
            const Duration ack_delay = std::min<Duration>(
                std::chrono::microseconds(std::uint64_t{ack.delay} * wire::kAckDelayUnitUs), kMaxReportedAckDelay);
            if (sample - ack_delay >= min_rtt_) sample -= ack_delay;
            const Duration diff = srtt_ > sample ? srtt_ - sample : sample - srtt_;
            rttvar_ = (3 * rttvar_ + diff) / 4;
            srtt_ = (7 * srtt_ + sample) / 8;
        }
    }
    if (newest_found) {
        pto_backoff_ = 0;
        Congestion::AckSample s;
        s.delivered = delivered_;
        s.prior_delivered = newest.delivered;
        const Duration interval = std::max(newest.sent - newest.first_sent_time, now - newest.delivered_time);
        // Random loss is not congestion: the path's random loss rate (loss that does not
        // grow when the sender probes faster) is added back, so a lossy but uncongested
        // path keeps its rate instead of collapsing.
        const double got = static_cast<double>(delivered_ - newest.delivered);
        if (interval > Duration::zero())
            s.delivery_rate = got / seconds(interval) / (1.0 - cc_.random_loss());
        s.app_limited = newest.app_limited;
        s.newly_acked = prior_in_flight - bytes_in_flight_;
        s.bytes_in_flight = bytes_in_flight_;
        if (largest_outstanding) s.rtt_sample = latest_rtt_;
        s.srtt = srtt_;
        first_sent_time_ = newest.sent;
        cc_.on_ack(s, now);
    }
    // A flush that makes progress gets its time again; only a stalled one times out.
    if (state_ == State::flushing && frames_acked_ != prior_acked) flush_deadline_ = now + flush_timeout();
    detect_losses(now);
    pop_resolved_packets();
}

// ---------------------------------------------------------------------------------
// Receiving

bool Channel::already_received(std::uint64_t pn) const {
    if (pn > largest_recv_) return false;
    return test_bit(recv_bits_.data(), pn % kRecvWindow);
}

void Channel::record_received(std::uint64_t pn, Time now) {
    if (!recv_any_ || pn < first_recv_) first_recv_ = pn;
    if (!recv_any_ || pn > largest_recv_) {
        if (recv_any_) {
            const std::uint64_t shift = pn - largest_recv_;
            if (shift >= kRecvWindow) {
                std::fill(recv_bits_.begin(), recv_bits_.end(), 0);
            } else {
                for (std::uint64_t q = largest_recv_ + 1; q < pn; ++q) clear_bit(recv_bits_.data(), q % kRecvWindow);
            }
        }
        largest_recv_ = pn;
        largest_recv_time_ = now;
        recv_any_ = true;
    }
    lowest_unreported_ = std::min(lowest_unreported_, pn);
    set_bit(recv_bits_.data(), pn % kRecvWindow);
}

bool Channel::validate_frames(std::span<const std::byte> body, bool* saw_close, bool* eliciting) const {
    wire::Reader r(body);
    if (r.empty()) return false;
    while (!r.empty()) {
        std::uint8_t type = 0;
        r.u8(type);
        switch (static_cast<FrameType>(type)) {
        case FrameType::ack: {
            wire::AckFrame ack;
            if (!wire::read_ack(r, ack)) return false;
            break;
        }
        case FrameType::ping:
            if (eliciting) *eliciting = true;
            break;
        case FrameType::close_ack: break;
        case FrameType::close: {
            std::uint8_t code;
            if (!r.u8(code)) return false;
            if (saw_close) *saw_close = true;
            break;
        }
        case FrameType::messages: {
            std::uint8_t lane, count;
            std::uint32_t id;
            if (!r.u8(lane) || !r.u32(id) || !r.u8(count)) return false;
            if (count == 0) return false;
            if (eliciting) *eliciting = true;
            for (unsigned i = 0; i < count; ++i) {
                std::uint32_t len;
                std::span<const std::byte> bytes;
                if (!r.varint(len) || !r.bytes(len, bytes)) return false;
            }
            break;
        }
        case FrameType::fragment: {
            std::uint8_t lane;
            std::uint32_t id, total, index;
            std::uint16_t chunk;
            if (!r.u8(lane) || !r.u32(id) || !r.u32(total) || !r.u16(chunk) || !r.u32(index)) return false;
            if (total == 0) return false;
            if (chunk < wire::kMinChunk || chunk > kMaxDatagram) return false;
            const std::uint64_t count = (std::uint64_t{total} + chunk - 1) / chunk;
            if (count < 2 || index >= count) return false;
            const std::uint64_t len = std::min<std::uint64_t>(chunk, total - std::uint64_t{index} * chunk);
            std::span<const std::byte> bytes;
            if (!r.bytes(len, bytes)) return false;
            if (eliciting) *eliciting = true;
            break;
        }
        default: return false;
        }
    }
    return true;
}

void Channel::receive(std::span<const std::byte> datagram, Time now) {
    now_ = now;
    on_timers(now);
    if (datagram.size() < wire::kHeaderSize) {
        ++stats_.dropped_short;
        return;
    }
    if (std::to_integer<std::uint8_t>(datagram[0]) != wire::kHeaderByte) {
        ++stats_.dropped_header;
        return;
    }
    const auto body = datagram.subspan(wire::kHeaderSize);
    if (state_ == State::closed) {
        bool saw_close = false;
        if (validate_frames(body, &saw_close) && saw_close) close_ack_pending_ = true;
        return;
    }
    std::uint32_t pn32 = 0;
    wire::Reader(datagram.subspan(1, 4)).u32(pn32);
    const std::uint64_t pn = wire::expand(recv_any_ ? largest_recv_ : config_.first_sequence, pn32);
    if (recv_any_ && pn + kRecvWindow <= largest_recv_) {
        ++stats_.dropped_too_old;
        return;
    }
    if (recv_any_ && already_received(pn)) {
        ++stats_.dropped_duplicate;
        // Our ACK for it may have been lost: acknowledge again, but never answer a
        // duplicate that needs no acknowledgement (no ACK ping-pong).
        bool eliciting = false;
        if (validate_frames(body, nullptr, &eliciting) && eliciting) {
            ack_now_ = true;
            if (unacked_eliciting_ == 0) unacked_eliciting_ = 1;
        }
        return;
    }
    if (!validate_frames(body)) {
        ++stats_.dropped_malformed;
        return;
    }
    last_recv_ = now;
    const bool in_order = !recv_any_ || pn == largest_recv_ + 1;
    bool eliciting = false;
    if (apply_frames(body, now, eliciting) == Apply::unacked) {
        ++stats_.dropped_budget;
        return;
    }
    ++stats_.packets_received;
    stats_.bytes_received += datagram.size();
    record_received(pn, now);
    if (eliciting && (state_ == State::open || state_ == State::flushing)) {
        last_eliciting_recv_ = now;
        ++unacked_eliciting_;
        if (!in_order) ack_now_ = true;
        if (ack_deadline_ == Time::max()) ack_deadline_ = now + config_.max_ack_delay;
    }
}

Channel::Apply Channel::apply_frames(std::span<const std::byte> body, Time now, bool& eliciting) {
    wire::Reader r(body);
    const bool active = state_ == State::open || state_ == State::flushing;
    while (!r.empty()) {
        std::uint8_t type = 0;
        r.u8(type);
        switch (static_cast<FrameType>(type)) {
        case FrameType::ack: {
            wire::AckFrame ack;
            wire::read_ack(r, ack);
            if (active) on_ack_frame(ack, now);
            break;
        }
        case FrameType::ping: eliciting = true; break;
        case FrameType::close_ack:
            if (state_ == State::closing) finish(close_reason_, now);
            break;
        case FrameType::close: {
            std::uint8_t code = 0;
            r.u8(code);
            close_ack_pending_ = true;
            if (state_ == State::closing) {
                finish(close_reason_, now);
            } else {
                peer_close_code_ = code;
                finish(from_wire(code), now);
            }
            return Apply::stop;
        }
        case FrameType::messages: {
            std::uint8_t lane = 0, count = 0;
            std::uint32_t id = 0;
            r.u8(lane), r.u32(id), r.u8(count);
            eliciting = true;
            if (active && lane >= rx_.size()) {
                begin_close(EndCode::protocol_error, now);
                return Apply::stop;
            }
            for (unsigned i = 0; i < count; ++i) {
                std::uint32_t len = 0;
                std::span<const std::byte> bytes;
                r.varint(len), r.bytes(len, bytes);
                if (!active) continue;
                if (len > config_.max_message) {
                    begin_close(EndCode::protocol_error, now);
                    return Apply::stop;
                }
                auto res = on_message_frame(lane, static_cast<std::uint32_t>(id + i), bytes, now);
                if (res != Apply::ok) return res;
                if (state_ != State::open && state_ != State::flushing) return Apply::stop;
            }
            break;
        }
        case FrameType::fragment: {
            std::uint8_t lane = 0;
            std::uint32_t id = 0, total = 0, index = 0;
            std::uint16_t chunk = 0;
            r.u8(lane), r.u32(id), r.u32(total), r.u16(chunk), r.u32(index);
            const std::uint64_t len = std::min<std::uint64_t>(chunk, total - std::uint64_t{index} * chunk);
            std::span<const std::byte> bytes;
            r.bytes(len, bytes);
            eliciting = true;
            if (!active) break;
            if (lane >= rx_.size() || total > config_.max_message) {
                begin_close(EndCode::protocol_error, now);
                return Apply::stop;
            }
            auto res = on_fragment(lane, id, total, chunk, index, bytes, now);
            if (res != Apply::ok) return res;
            break;
        }
        default: return Apply::stop;  // unreachable after validate_frames
        }
        if (state_ != State::open && state_ != State::flushing && active) return Apply::stop;
    }
    return Apply::ok;
}

void Channel::deliver(std::size_t lane, std::span<const std::byte> msg, Time now) {
    ++stats_.messages_received;
    events_.on_message(lane, msg, now);
}

Channel::Charge Channel::charge(std::uint64_t footprint_bytes, std::uint64_t held) {
    if (rx_buffered_ + footprint_bytes > config_.reassembly_cap) return Charge::overflow;
    if (!hold(held)) return Charge::budget;
    rx_buffered_ += footprint_bytes;
    return Charge::ok;
}

// More heap for a held message; false if the shared budget cannot give it.
bool Channel::hold(std::uint64_t held) {
    if (budget_ && !budget_->try_acquire(held)) return false;
    rx_held_ += held;
    return true;
}

void Channel::release_held(std::uint64_t held) {
    rx_held_ -= held;
    if (budget_) budget_->release(held);
}

void Channel::uncharge(const Pending& p) {
    rx_buffered_ -= p.charged;
    release_held(p.held);
}

// The bucket array of a lane's hash map is heap the peer made this end take: charged
// as it grows (it grows inside an admitted insertion, so it may pass the budget by one
// array) and released when the map gives it back.
void Channel::account_buckets(LaneRx& rx) {
    const std::size_t buckets = rx.pending.bucket_count();
    const std::uint64_t bytes = buckets > 1 ? heap_cost(buckets * sizeof(void*)) : 0;
    if (bytes > rx.bucket_held) {
        if (budget_) budget_->acquire(bytes - rx.bucket_held);
        rx_held_ += bytes - rx.bucket_held;
    } else {
        release_held(rx.bucket_held - bytes);
    }
    rx.bucket_held = bytes;
}

// An emptied hash map keeps its bucket array: give it back, so a lane holding nothing
// holds no heap (and the budget returns to zero).
void Channel::give_back_buckets(LaneRx& rx) {
    if (!rx.pending.empty() || rx.bucket_held == 0) return;
    decltype(rx.pending)().swap(rx.pending);
    account_buckets(rx);
}

void Channel::erase_pending(LaneRx& rx, std::uint64_t id) {
    auto it = rx.pending.find(id);
    if (it == rx.pending.end()) return;
    uncharge(it->second);
    if (!is_reliable(rx.kind)) --unreliable_partials_;
    rx.pending.erase(it);
    give_back_buckets(rx);
}

// Frees every receive buffer: the channel takes no more data.
void Channel::release_receive_buffers() {
    for (auto& rx : rx_) {
        for (auto& [id, p] : rx.pending) uncharge(p);
        decltype(rx.pending)().swap(rx.pending);
        account_buckets(rx);
    }
    unreliable_partials_ = 0;
    reliable_sweep_at_ = Time::max();
}

bool Channel::unordered_delivered(const LaneRx& rx, std::uint64_t id) const {
    return id < rx.next || test_bit(rx.delivered.data(), id % kMessageWindow);
}

void Channel::mark_unordered_delivered(LaneRx& rx, std::uint64_t id) {
    set_bit(rx.delivered.data(), id % kMessageWindow);
    while (test_bit(rx.delivered.data(), rx.next % kMessageWindow)) {
        clear_bit(rx.delivered.data(), rx.next % kMessageWindow);
        ++rx.next;
    }
}

void Channel::drain_ordered(std::size_t lane, Time now) {
    auto& rx = rx_[lane];
    while (!rx.pending.empty() && (state_ == State::open || state_ == State::flushing)) {
        auto it = rx.pending.find(rx.next);
        if (it == rx.pending.end() || !it->second.complete) return;
        Pending p = std::move(it->second);
        rx.pending.erase(it);
        uncharge(p);
        give_back_buckets(rx);
        ++rx.next;
        deliver(lane, p.bytes(), now);
    }
}

Channel::Apply Channel::on_message_frame(std::size_t lane, std::uint64_t wire_id, std::span<const std::byte> msg,
                                         Time now) {
    auto& rx = rx_[lane];
    const auto w = static_cast<std::uint32_t>(wire_id);
    switch (rx.kind) {
    case LaneKind::reliable_ordered: {
        const std::uint64_t id = wire::expand(rx.next, w);
        if (id < rx.next) return Apply::ok;
        if (id - rx.next >= kMessageWindow) {
            begin_close(EndCode::protocol_error, now);
            return Apply::stop;
        }
        if (id == rx.next) {
            if (!rx.pending.empty()) erase_pending(rx, id);  // a peer sent it both ways
            ++rx.next;
            deliver(lane, msg, now);
            drain_ordered(lane, now);
            return Apply::ok;
        }
        if (rx.pending.contains(id)) return Apply::ok;
        const std::uint64_t held = heap_cost(kEntryNodeBytes) + heap_cost(msg.size());
        switch (charge(footprint(msg.size()), held)) {
        case Charge::overflow: begin_close(EndCode::overflow, now); return Apply::stop;
        case Charge::budget: return Apply::unacked;
        case Charge::ok: break;
        }
        Pending p;
        if (!msg.empty()) {  // an empty message needs no buffer
            p.data = std::make_unique_for_overwrite<std::byte[]>(msg.size());
            std::memcpy(p.data.get(), msg.data(), msg.size());
        }
        p.size = static_cast<std::uint32_t>(msg.size());
        p.complete = true;
        p.charged = footprint(msg.size());
        p.held = held;
        p.first_seen = now;
        rx.pending.emplace(id, std::move(p));
        account_buckets(rx);
        note_reliable_held(now);
        return Apply::ok;
    }
    case LaneKind::reliable_unordered: {
        const std::uint64_t id = wire::expand(rx.next, w);
        if (id < rx.next) return Apply::ok;
        if (id - rx.next >= kMessageWindow) {
            begin_close(EndCode::protocol_error, now);
            return Apply::stop;
        }
        if (unordered_delivered(rx, id)) return Apply::ok;
        if (!rx.pending.empty()) erase_pending(rx, id);
        mark_unordered_delivered(rx, id);
        deliver(lane, msg, now);
        return Apply::ok;
    }
    case LaneKind::unreliable_sequenced: {
        const std::uint64_t id = wire::expand(rx.next, w);
        if (id < rx.next) return Apply::ok;
        rx.next = id + 1;
        for (auto it = rx.pending.begin(); it != rx.pending.end();) {
            if (it->first < rx.next) {
                uncharge(it->second);
                --unreliable_partials_;
                it = rx.pending.erase(it);
            } else {
                ++it;
            }
        }
        give_back_buckets(rx);
        deliver(lane, msg, now);
        return Apply::ok;
    }
    case LaneKind::unreliable: {
        const std::uint64_t id = wire::expand(rx.highest, w);
        rx.highest = std::max(rx.highest, id);
        deliver(lane, msg, now);
        return Apply::ok;
    }
    }
    return Apply::ok;
}

bool Channel::make_room_unreliable(LaneRx& rx, std::uint64_t need) {
    while (!rx.pending.empty() &&
           (rx.pending.size() >= kMaxUnreliablePartials || rx_buffered_ + need > config_.reassembly_cap)) {
        auto oldest = rx.pending.begin();
        for (auto it = rx.pending.begin(); it != rx.pending.end(); ++it)
            if (it->second.first_seen < oldest->second.first_seen) oldest = it;
        ++stats_.dropped_unreliable_fragments;
        uncharge(oldest->second);
        --unreliable_partials_;
        rx.pending.erase(oldest);
    }
    give_back_buckets(rx);
    return rx_buffered_ + need <= config_.reassembly_cap;
}

void Channel::expire_fragments(Time now) {
    for (auto& rx : rx_) {
        if (is_reliable(rx.kind)) continue;
        for (auto it = rx.pending.begin(); it != rx.pending.end();) {
            if (it->second.first_seen + config_.fragment_timeout <= now) {
                ++stats_.dropped_unreliable_fragments;
                uncharge(it->second);
                --unreliable_partials_;
                it = rx.pending.erase(it);
            } else {
                ++it;
            }
        }
        give_back_buckets(rx);
    }
}

// A reliable message waits until it is complete and its turn comes. A correct sender
// resends every missing part within a few PTOs, so one still held after `timeout` means
// the sender stopped. Its parts were acknowledged and will never come again: dropping
// them would lose data silently, so the channel closes instead (reason timeout), which
// frees the memory. Looked for at most 8 times per `timeout`.
void Channel::note_reliable_held(Time now) {
    if (reliable_sweep_at_ == Time::max()) reliable_sweep_at_ = now + config_.timeout;
}

void Channel::sweep_reliable(Time now) {
    Time oldest = Time::max();
    for (const auto& rx : rx_) {
        if (!is_reliable(rx.kind)) continue;
        for (const auto& [id, p] : rx.pending) oldest = std::min(oldest, p.first_seen);
    }
    if (oldest == Time::max()) {
        reliable_sweep_at_ = Time::max();
        return;
    }
    if (oldest + config_.timeout <= now) {
        begin_close(EndCode::timeout, now);
        return;
    }
    reliable_sweep_at_ = std::max(oldest + config_.timeout, now + config_.timeout / 8);
}

// Admits a message's first part. Its footprint counts against reassembly_cap at once, as
// the sender's flow control counted it; its heap is only the bookkeeping for now, and
// each segment is charged when its first part arrives (store_part).
Channel::Apply Channel::start_partial(LaneRx& rx, std::uint64_t id, std::uint32_t total, std::uint32_t chunk,
                                      Time now, Pending*& out) {
    const bool reliable = is_reliable(rx.kind);
    const std::uint64_t need = footprint(total);
    Pending p;
    p.size = total;
    p.chunk = chunk;
    p.frag_count = static_cast<std::uint32_t>((std::uint64_t{total} + chunk - 1) / chunk);
    p.seg_frags = std::max<std::uint32_t>(1, kSegmentBytes / chunk);
    const std::uint32_t segments = (p.frag_count + p.seg_frags - 1) / p.seg_frags;
    const std::uint32_t words = (p.frag_count + 63) / 64;
    const std::uint64_t held = heap_cost(kEntryNodeBytes) + heap_cost(std::uint64_t{words} * sizeof(std::uint64_t)) +
                               heap_cost(std::uint64_t{segments} * sizeof(std::unique_ptr<std::byte[]>));
    if (!reliable && !make_room_unreliable(rx, need)) {
        ++stats_.dropped_unreliable_fragments;
        return Apply::ok;
    }
    switch (charge(need, held)) {
    case Charge::overflow:
        if (!reliable) {
            ++stats_.dropped_unreliable_fragments;
            return Apply::ok;
        }
        begin_close(EndCode::overflow, now);
        return Apply::stop;
    case Charge::budget:
        if (!reliable) {
            ++stats_.dropped_unreliable_fragments;
            return Apply::ok;
        }
        return Apply::unacked;
    case Charge::ok: break;
    }
    p.have.assign(words, 0);
    p.segments.resize(segments);
    p.charged = need;
    p.held = held;
    p.first_seen = now;
    out = &rx.pending.emplace(id, std::move(p)).first->second;
    account_buckets(rx);
    if (reliable) {
        note_reliable_held(now);
    } else {
        ++unreliable_partials_;
    }
    return Apply::ok;
}

// Copies part `index` into its segment, allocating (and charging) the segment first if
// this is its first part; false if the budget cannot give it.
bool Channel::store_part(Pending& p, std::uint32_t index, std::span<const std::byte> data) {
    const std::uint32_t s = index / p.seg_frags;
    const std::size_t begin = std::size_t{s} * p.seg_frags * p.chunk;
    auto& segment = p.segments[s];
    if (!segment) {
        const std::size_t len = std::min<std::size_t>(std::size_t{p.seg_frags} * p.chunk, p.size - begin);
        if (!hold(heap_cost(len))) return false;
        p.held += heap_cost(len);
        segment = std::make_unique_for_overwrite<std::byte[]>(len);  // every byte gets written
    }
    std::memcpy(segment.get() + (std::size_t{index} * p.chunk - begin), data.data(), data.size());
    return true;
}

// Makes a complete message one piece (a message of one segment already is) and gives
// back the bookkeeping of its parts.
void Channel::assemble(Pending& p) {
    const std::uint64_t before = p.held;
    decltype(p.have)().swap(p.have);
    p.held = heap_cost(kEntryNodeBytes) + heap_cost(p.size);
    if (p.segments.size() == 1) {
        p.held += heap_cost(sizeof(std::unique_ptr<std::byte[]>));
    } else {
        p.data = std::make_unique_for_overwrite<std::byte[]>(p.size);
        const std::size_t segment_bytes = std::size_t{p.seg_frags} * p.chunk;
        for (std::size_t s = 0, at = 0; s < p.segments.size(); ++s, at += segment_bytes)
            std::memcpy(p.data.get() + at, p.segments[s].get(), std::min<std::size_t>(segment_bytes, p.size - at));
        decltype(p.segments)().swap(p.segments);
    }
    release_held(before - p.held);
}

Channel::Apply Channel::on_fragment(std::size_t lane, std::uint32_t wire_id, std::uint32_t total, std::uint32_t chunk,
                                    std::uint32_t index, std::span<const std::byte> data, Time now) {
    auto& rx = rx_[lane];
    const bool reliable = is_reliable(rx.kind);
    std::uint64_t id = 0;
    if (rx.kind == LaneKind::unreliable) {
        id = wire::expand(rx.highest, wire_id);
        rx.highest = std::max(rx.highest, id);
    } else {
        id = wire::expand(rx.next, wire_id);
        if (id < rx.next) return Apply::ok;
        if (reliable && id - rx.next >= kMessageWindow) {
            begin_close(EndCode::protocol_error, now);
            return Apply::stop;
        }
        if (rx.kind == LaneKind::reliable_unordered && unordered_delivered(rx, id)) return Apply::ok;
    }
    Pending* p = nullptr;
    auto it = rx.pending.find(id);
    if (it == rx.pending.end()) {
        const Apply started = start_partial(rx, id, total, chunk, now, p);
        if (p == nullptr) return started;
    } else if (it->second.complete) {
        return Apply::ok;
    } else if (it->second.size != total || it->second.chunk != chunk) {
        begin_close(EndCode::protocol_error, now);
        return Apply::stop;
    } else {
        p = &it->second;
    }
    if (test_bit(p->have.data(), index)) return Apply::ok;
    if (!store_part(*p, index, data)) {
        if (reliable) return Apply::unacked;
        ++stats_.dropped_unreliable_fragments;
        return Apply::ok;
    }
    set_bit(p->have.data(), index);
    if (++p->frags < p->frag_count) return Apply::ok;

    p->complete = true;
    assemble(*p);
    switch (rx.kind) {
    case LaneKind::reliable_ordered:
        drain_ordered(lane, now);
        break;
    case LaneKind::reliable_unordered: {
        mark_unordered_delivered(rx, id);
        Pending done = std::move(*p);
        rx.pending.erase(id);
        uncharge(done);
        give_back_buckets(rx);
        deliver(lane, done.bytes(), now);
        break;
    }
    case LaneKind::unreliable_sequenced:
    case LaneKind::unreliable: {
        Pending done = std::move(*p);
        rx.pending.erase(id);
        uncharge(done);
        --unreliable_partials_;
        if (rx.kind == LaneKind::unreliable_sequenced) {
            rx.next = id + 1;
            for (auto o = rx.pending.begin(); o != rx.pending.end();) {
                if (o->first < rx.next) {
                    uncharge(o->second);
                    --unreliable_partials_;
                    o = rx.pending.erase(o);
                } else {
                    ++o;
                }
            }
        }
        give_back_buckets(rx);
        deliver(lane, done.bytes(), now);
        break;
    }
    }
    return (state_ == State::open || state_ == State::flushing) ? Apply::ok : Apply::stop;
}

// ---------------------------------------------------------------------------------
// Lifecycle and timers

Time Channel::next_wakeup() const {
    switch (state_) {
    case State::closed: return close_ack_pending_ ? now_ : Time::max();
    case State::closing: return std::min({close_resend_at_, close_deadline_, last_recv_ + config_.timeout});
    case State::open:
    case State::flushing: break;
    }
    if (ping_pending_ || probes_pending_ > 0) return now_;
    Time t = std::min(last_recv_ + config_.timeout, last_send_ + config_.keepalive_interval);
    if (recv_any_ && unacked_eliciting_ > 0) {
        if (ack_now_ || unacked_eliciting_ >= kAckEvery) return now_;
        t = std::min(t, ack_deadline_);
    }
    t = std::min({t, loss_time_, pto_deadline(), reliable_sweep_at_});
    if (state_ == State::flushing) t = std::min(t, flush_deadline_);
    if (any_sendable() && bytes_in_flight_ + config_.max_datagram <= cc_.window())
        t = std::min(t, pacing_ready());
    if (unreliable_partials_ > 0) {
        for (const auto& rx : rx_) {
            if (is_reliable(rx.kind)) continue;
            for (const auto& [id, p] : rx.pending) t = std::min(t, p.first_seen + config_.fragment_timeout);
        }
    }
    return t;
}

void Channel::on_timers(Time now) {
    if (state_ == State::closed) return;
    if (now - last_recv_ >= config_.timeout) {
        finish(EndCode::timeout, now);
        return;
    }
    if (state_ == State::closing) {
        if (now >= close_deadline_) finish(close_reason_, now);
        return;
    }
    if (now >= loss_time_) {
        detect_losses(now);
        pop_resolved_packets();
    }
    if (now >= pto_deadline()) on_pto(now);
    if (now - last_send_ >= config_.keepalive_interval) ping_pending_ = true;
    if (unreliable_partials_ > 0) expire_fragments(now);
    if (now >= reliable_sweep_at_) sweep_reliable(now);
    if (state_ != State::flushing) return;
    if (all_acked()) {
        begin_close(EndCode::local, now);
    } else if (now >= flush_deadline_) {
        // The peer keeps the channel alive (PINGs) but never acknowledges: give up.
        begin_close(EndCode::timeout, now);
    }
}

bool Channel::all_acked() const {
    for (const auto& tx : tx_)
        if (!tx.msgs.empty()) return false;
    return true;
}

void Channel::set_state(State next, Time now) {
    if (next == state_) return;
    const State prev = state_;
    state_ = next;
    events_.on_state(prev, next, now);
}

void Channel::begin_close(EndCode reason, Time now) {
    if (state_ == State::closing || state_ == State::closed) return;
    close_reason_ = reason;
    close_code_ = to_wire(reason);
    for (auto& tx : tx_) {
        while (!tx.msgs.empty()) {
            release(tx.msgs.front());
            tx.msgs.pop_front();
        }
        tx.rtx.clear();
    }
    outstanding_ = 0;
    release_receive_buffers();
    close_resend_at_ = now;
    close_deadline_ = now + std::min<Duration>(kCloseAttempts * pto(), config_.timeout);
    set_state(State::closing, now);
    events_.on_closed(End{reason, {}}, now);
}

void Channel::finish(EndCode reason, Time now) {
    if (state_ == State::closed) return;
    const bool notify = state_ == State::open || state_ == State::flushing;
    if (close_reason_ == EndCode::none) close_reason_ = reason;
    for (auto& tx : tx_) {
        while (!tx.msgs.empty()) {
            release(tx.msgs.front());
            tx.msgs.pop_front();
        }
        tx.rtx.clear();
    }
    release_receive_buffers();
    set_state(State::closed, now);
    if (notify) events_.on_closed(End{close_reason_, {}}, now);
}

void Channel::close(Time now) {
    now_ = now;
    if (state_ == State::open || state_ == State::flushing) begin_close(EndCode::local, now);
}

void Channel::close_after_flush(Time now) {
    now_ = now;
    if (state_ != State::open) return;
    flush_deadline_ = now + flush_timeout();
    set_state(State::flushing, now);
    if (all_acked()) begin_close(EndCode::local, now);
}

Duration Channel::flush_timeout() const {
    return std::min(std::clamp<Duration>(3 * pto(), kMinFlushTimeout, kMaxFlushTimeout), config_.timeout);
}

ChannelStats Channel::stats() const {
    ChannelStats s = stats_;
    s.srtt = srtt_;
    s.min_rtt = cc_.min_rtt();
    s.rttvar = rttvar_;
    s.latest_rtt = latest_rtt_;
    s.rto = pto();
    s.send_rate = cc_.pacing_rate();
    s.delivery_rate = cc_.bandwidth();
    s.cwnd = cc_.window();
    s.bytes_in_flight = bytes_in_flight_;
    s.queued_messages = queued_messages_;
    s.queued_bytes = queued_bytes_;
    for (const auto& tx : tx_) s.unsent_messages += tx.next_id() - tx.send_pos;
    s.rx_buffered_bytes = rx_buffered_;
    s.rx_held_bytes = rx_held_;
    return s;
}

}  // namespace gs::channel
