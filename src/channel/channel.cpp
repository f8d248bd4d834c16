#include "channel/channel.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gs::channel {

namespace {

using namespace std::chrono_literals;
using wire::FrameType;

// CLOSE is repeated every probe timeout for this many timeouts or until CLOSE_ACK.
constexpr int kCloseAttempts = 8;
// Bounds of the flush deadline (close_after_flush), around 3 PTOs.
constexpr Duration kMinFlushTimeout = 1s;
constexpr Duration kMaxFlushTimeout = 5s;
// Frames of a received packet kept allocated between packets; a packet of more (a
// peer's packet of one-byte frames) gives its list back.
constexpr std::size_t kMaxKeptFrames = 256;

const ChannelConfig& checked(const ChannelConfig& config) {
  if (auto error = validate(config); !error.empty()) throw std::invalid_argument("channel config: " + error);
  return config;
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
    : config_(checked(config)),
      events_(events),
      now_(now),
      lanes_(config_, now),
      recovery_(config_, now, lanes_),
      acks_(config_.first_sequence),
      reassembly_(config_, budget, *this),
      last_send_(now),
      last_recv_(now),
      out_(config_.max_datagram) {}

Channel::~Channel() = default;

// ---------------------------------------------------------------------------------
// Sending

SendResult Channel::send(std::size_t lane, std::span<const std::byte> message, Time now) {
  now_ = now;
  if (state_ != State::open) return SendResult::closed;
  return lanes_.push(lane, message);
}

void Channel::write_header(wire::Writer& w) {
  w.u8(wire::kHeaderByte);
  w.u32(static_cast<std::uint32_t>(recovery_.next_packet_number()));
}

// Counts a packet written to out_ as sent and hands it out.
std::span<const std::byte> Channel::sent(const wire::Writer& w, Time now) {
  last_send_ = now;
  ++stats_.packets_sent;
  stats_.bytes_sent += w.size();
  return {out_.data(), w.size()};
}

// Closed: a CLOSE_ACK owed for a CLOSE. Closing: CLOSE, repeated every PTO.
std::span<const std::byte> Channel::closing_datagram(wire::Writer& w, Time now) {
  if (state_ == State::closed) {
    if (!close_ack_pending_) return {};
    close_ack_pending_ = false;
    write_header(w);
    w.u8(static_cast<std::uint8_t>(FrameType::close_ack));
  } else {
    if (now < close_resend_at_) return {};
    close_resend_at_ = now + recovery_.pto();
    write_header(w);
    w.u8(static_cast<std::uint8_t>(FrameType::close));
    w.u8(close_code_);
  }
  recovery_.on_packet_sent(now, static_cast<std::uint32_t>(w.size()), recovery_.next_frame(), false);
  return sent(w, now);
}

std::span<const std::byte> Channel::next_datagram(Time now) {
  now_ = now;
  on_timers(now);
  wire::Writer w(out_.data(), config_.max_datagram);
  if (state_ == State::closed || state_ == State::closing) return closing_datagram(w, now);

  const bool ack_due = acks_.ack_due(now);
  const bool window_open = recovery_.window_open();
  const bool have_data = lanes_.any_sendable();
  const bool probing = recovery_.probes_pending() > 0;
  const bool may_send_data = (window_open || probing) && have_data;
  if (!ack_due && !ping_pending_ && !probing && !may_send_data) {
    if (window_open && !have_data) recovery_.note_app_limited();
    return {};
  }

  write_header(w);
  const bool include_ack = acks_.ack_wanted(now, recovery_.srtt());
  if (include_ack) acks_.write_ack(w, now);
  const std::size_t before = w.size();
  const std::uint64_t first_frame = recovery_.next_frame();
  if (may_send_data && lanes_.pacing_allows(now, recovery_.congestion().pacing_rate()))
    lanes_.write(w, recovery_);
  bool eliciting = w.size() > before;
  if (!eliciting && (ping_pending_ || probing)) {
    w.u8(static_cast<std::uint8_t>(FrameType::ping));
    eliciting = true;
  }
  if (!eliciting && !ack_due) return {};
  ping_pending_ = false;
  if (eliciting && probing) recovery_.on_probe_sent();

  const auto bytes = static_cast<std::uint32_t>(w.size());
  if (eliciting) lanes_.spend_pacing(bytes);
  recovery_.on_packet_sent(now, bytes, first_frame, eliciting);
  if (include_ack) acks_.on_ack_sent();
  return sent(w, now);
}

// ---------------------------------------------------------------------------------
// Receiving

void Channel::receive(std::span<const std::byte> datagram, Time now) {
  now_ = now;
  on_timers(now);
  receive_packet(datagram, now);
  if (frames_.frames.capacity() > kMaxKeptFrames) frames_ = {};
}

void Channel::receive_packet(std::span<const std::byte> datagram, Time now) {
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
    if (wire::read_frames(body, frames_) && frames_.close) close_ack_pending_ = true;
    return;
  }
  std::uint32_t pn32 = 0;
  wire::Reader(datagram.subspan(1, 4)).u32(pn32);
  const std::uint64_t pn = acks_.expand(pn32);
  if (acks_.too_old(pn)) {
    ++stats_.dropped_too_old;
    return;
  }
  const bool valid = wire::read_frames(body, frames_);
  if (acks_.already_received(pn)) {
    ++stats_.dropped_duplicate;
    // Our ACK for it may have been lost: acknowledge again, but never answer a
    // duplicate that needs no acknowledgement (no ACK ping-pong).
    if (valid && frames_.eliciting) acks_.on_eliciting_duplicate();
    return;
  }
  if (!valid) {
    ++stats_.dropped_malformed;
    return;
  }
  last_recv_ = now;
  const bool in_order = acks_.in_order(pn);
  if (apply_frames(now) == Apply::unacked) {
    ++stats_.dropped_budget;
    return;
  }
  ++stats_.packets_received;
  stats_.bytes_received += datagram.size();
  acks_.record_received(pn, now);
  if (frames_.eliciting && taking_data()) acks_.on_eliciting(in_order, now, config_.max_ack_delay);
}

Channel::Apply Channel::apply_frames(Time now) {
  const bool active = taking_data();
  for (const auto& f : frames_.frames) {
    const Apply applied = apply_frame(f, active, now);
    if (applied != Apply::ok) return applied;
    if (active && !taking_data()) return Apply::stop;
  }
  return Apply::ok;
}

// Data and ACKs count only while the channel is open or flushing.
Channel::Apply Channel::apply_frame(const wire::Frame& f, bool active, Time now) {
  switch (f.type) {
    case FrameType::ack:
      if (active) on_ack_frame(frames_.acks[f.index], now);
      return Apply::ok;
    case FrameType::ping: return Apply::ok;
    case FrameType::close_ack:
      if (state_ == State::closing) finish(close_reason_, now);
      return Apply::ok;
    case FrameType::close:
      close_ack_pending_ = true;
      if (state_ == State::closing) {
        finish(close_reason_, now);
      } else {
        peer_close_code_ = f.code;
        finish(from_wire(f.code), now);
      }
      return Apply::stop;
    case FrameType::messages: return active ? on_data(reassembly_.on_message(f, now), now) : Apply::ok;
    case FrameType::fragment: return active ? on_data(reassembly_.on_fragment(f, now), now) : Apply::ok;
  }
  return Apply::stop;  // unreachable: read_frames knows no other type
}

Channel::Apply Channel::on_data(Reassembly::Outcome outcome, Time now) {
  switch (outcome) {
    case Reassembly::Outcome::ok: return Apply::ok;
    case Reassembly::Outcome::unacked: return Apply::unacked;
    case Reassembly::Outcome::protocol_error: begin_close(EndCode::protocol_error, now); break;
    case Reassembly::Outcome::overflow: begin_close(EndCode::overflow, now); break;
  }
  return Apply::stop;
}

void Channel::on_ack_frame(const wire::AckFrame& ack, Time now) {
  const std::uint64_t prior_acked = lanes_.frames_acked();
  if (!recovery_.on_ack_frame(ack, now)) {
    begin_close(EndCode::protocol_error, now);
    return;
  }
  // A flush that makes progress gets its time again; only a stalled one times out.
  if (state_ == State::flushing && lanes_.frames_acked() != prior_acked)
    flush_deadline_ = now + flush_timeout();
}

void Channel::deliver(std::size_t lane, std::span<const std::byte> message, Time now) {
  ++stats_.messages_received;
  events_.on_message(lane, message, now);
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
  if (ping_pending_ || recovery_.probes_pending() > 0) return now_;
  if (acks_.ack_immediate()) return now_;
  Time t = std::min(last_recv_ + config_.timeout, last_send_ + config_.keepalive_interval);
  t = std::min(
      {t, acks_.ack_deadline(), recovery_.loss_time(), recovery_.pto_deadline(), reassembly_.sweep_at()});
  if (state_ == State::flushing) t = std::min(t, flush_deadline_);
  if (lanes_.any_sendable() && recovery_.window_open())
    t = std::min(t, lanes_.pacing_ready(now_, recovery_.congestion().pacing_rate()));
  return std::min(t, reassembly_.next_expiry());
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
  if (now >= recovery_.loss_time()) recovery_.on_loss_timer(now);
  if (now >= recovery_.pto_deadline()) recovery_.on_pto(now);
  if (now - last_send_ >= config_.keepalive_interval) ping_pending_ = true;
  if (reassembly_.has_unreliable_partials()) reassembly_.expire_fragments(now);
  // A reliable message left incomplete: its parts were acknowledged and will never
  // come again, and dropping it would lose data silently, so the channel closes.
  if (now >= reassembly_.sweep_at() && reassembly_.sweep_reliable(now)) {
    begin_close(EndCode::timeout, now);
    return;
  }
  if (state_ != State::flushing) return;
  if (lanes_.all_acked()) {
    begin_close(EndCode::local, now);
  } else if (now >= flush_deadline_) {
    // The peer keeps the channel alive (PINGs) but never acknowledges: give up.
    begin_close(EndCode::timeout, now);
  }
}

void Channel::set_state(State next, Time now) {
  if (next == state_) return;
  const State prev = state_;
  state_ = next;
  events_.on_state(prev, next, now);
}

// The channel takes and keeps no more data: queued messages and receive buffers go.
void Channel::drop_all_data() {
  lanes_.discard_all();
  reassembly_.release_all();
}

void Channel::begin_close(EndCode reason, Time now) {
  if (state_ == State::closing || state_ == State::closed) return;
  close_reason_ = reason;
  close_code_ = to_wire(reason);
  drop_all_data();
  close_resend_at_ = now;
  close_deadline_ = now + std::min<Duration>(kCloseAttempts * recovery_.pto(), config_.timeout);
  set_state(State::closing, now);
  events_.on_closed(End{reason, {}}, now);
}

void Channel::finish(EndCode reason, Time now) {
  if (state_ == State::closed) return;
  const bool notify = taking_data();
  if (close_reason_ == EndCode::none) close_reason_ = reason;
  drop_all_data();
  set_state(State::closed, now);
  if (notify) events_.on_closed(End{close_reason_, {}}, now);
}

void Channel::close(Time now) {
  now_ = now;
  if (taking_data()) begin_close(EndCode::local, now);
}

void Channel::close_after_flush(Time now) {
  now_ = now;
  if (state_ != State::open) return;
  flush_deadline_ = now + flush_timeout();
  set_state(State::flushing, now);
  if (lanes_.all_acked()) begin_close(EndCode::local, now);
}

Duration Channel::flush_timeout() const {
  return std::min(std::clamp<Duration>(3 * recovery_.pto(), kMinFlushTimeout, kMaxFlushTimeout),
                  config_.timeout);
}

ChannelStats Channel::stats() const {
  ChannelStats s = stats_;
  const Congestion& cc = recovery_.congestion();
  s.srtt = recovery_.srtt();
  s.min_rtt = cc.min_rtt();
  s.rttvar = recovery_.rttvar();
  s.latest_rtt = recovery_.latest_rtt();
  s.rto = recovery_.pto();
  s.send_rate = cc.pacing_rate();
  s.delivery_rate = cc.bandwidth();
  s.cwnd = cc.window();
  s.bytes_in_flight = recovery_.bytes_in_flight();
  s.packets_lost = recovery_.counters().packets_lost;
  s.pto_count = recovery_.counters().pto_count;
  s.spurious_losses = recovery_.counters().spurious_losses;
  s.sent_packets_retired = recovery_.counters().sent_packets_retired;
  s.messages_sent = lanes_.counters().messages_sent;
  s.retransmitted = lanes_.counters().retransmitted;
  s.bytes_retransmitted = lanes_.counters().bytes_retransmitted;
  s.queued_messages = lanes_.queued_messages();
  s.queued_bytes = lanes_.queued_bytes();
  s.unsent_messages = lanes_.unsent_messages();
  s.rx_buffered_bytes = reassembly_.buffered_bytes();
  s.rx_held_bytes = reassembly_.held_bytes();
  s.dropped_unreliable_fragments = reassembly_.counters().dropped_unreliable_fragments;
  return s;
}

}  // namespace gs::channel
