#include "session/session.hpp"

#include "session/codec.hpp"
#include "session/control.hpp"

namespace gs::session {

std::string_view to_string(State state) {
  switch (state) {
    case State::handshaking: return "handshaking";
    case State::authenticating: return "authenticating";
    case State::connected: return "connected";
    case State::closing: return "closing";
    case State::closed: return "closed";
  }
  return "?";
}

Session::Session(const SessionConfig& config, SessionTransport& transport, SessionEvents& events, Time now)
    : config_(config), transport_(transport), events_(events) {
  entered_[static_cast<std::size_t>(State::handshaking)] = now;
}

// The one place the state changes.
void Session::set_state(State next, Time now) {
  if (next == state_) return;
  state_ = next;
  entered_[static_cast<std::size_t>(next)] = now;
}

void Session::transport_open(std::span<const std::uint8_t> channel_binding, Time now) {
  if (state_ != State::handshaking) return;
  channel_binding_.assign(channel_binding.begin(), channel_binding.end());
  set_state(State::authenticating, now);
  events_.on_authenticating(*this, now);
}

void Session::transport_message(std::uint8_t lane, std::span<const std::byte> message, Time now) {
  if (state_ == State::closed || state_ == State::handshaking) {
    drop(now);
    return;
  }
  // The game's lanes carry its bytes as they are, empty ones too, once connected.
  if (lane != control_lane) {
    if (state_ != State::connected) return drop(now);
    const std::uint8_t first = message.empty() ? 0 : std::to_integer<std::uint8_t>(message[0]);
    events_.on_message(*this, lane, first, message, now);
    return;
  }
  if (message.empty()) {
    drop(now);
    return;
  }
  auto type = std::to_integer<std::uint8_t>(message[0]);
  if (type < first_role_type) {
    handle_control(message, now);
    return;
  }
  // Nothing but auth data flows before both sides have completed.
  if (state_ != State::connected) {
    drop(now);
    return;
  }
  events_.on_message(*this, lane, type, message, now);
}

void Session::handle_control(std::span<const std::byte> message, Time now) {
  auto type = std::to_integer<std::uint8_t>(message[0]);
  switch (type) {
    case AuthData::type: {
      auto data = decode<AuthData>(message);
      if (!data || state_ != State::authenticating) return drop(now);
      events_.on_auth_data(*this, data->data, now);
      return;
    }
    case AuthComplete::type: {
      if (!decode<AuthComplete>(message) || state_ != State::authenticating || remote_complete_)
        return drop(now);
      remote_complete_ = true;
      maybe_connected(now);
      return;
    }
    case AuthRefused::type: {
      auto refused = decode<AuthRefused>(message);
      if (!refused || state_ != State::authenticating) return drop(now);
      fail_auth(refused->reason, EndCode::auth_refused, /*tell_peer=*/false, now);
      return;
    }
    default: drop(now);
  }
}

void Session::transport_closed(const End& end, Time now) {
  if (state_ == State::closed) return;
  if (state_ == State::authenticating) events_.on_authentication_failed(*this, "disconnected", now);
  if (!end_reason_.ended()) end_reason_ = end;
  set_state(State::closed, now);
  events_.on_closed(*this, end_reason_, now);
}

void Session::update(Time now) {
  if (state_ == State::authenticating && now >= next_wakeup())
    fail_auth("timeout", EndCode::auth_timeout, /*tell_peer=*/true, now);
}

Time Session::next_wakeup() const {
  if (state_ != State::authenticating) return Time::max();
  return entered(State::authenticating) + config_.auth_timeout;
}

bool Session::send_auth(std::span<const std::uint8_t> data) {
  if (state_ != State::authenticating || data.size() > max_auth_data) return false;
  scratch_.clear();
  if (!encode(AuthData{{data.begin(), data.end()}}, scratch_)) return false;
  return transport_.send(control_lane, scratch_);
}

void Session::complete_auth(Time now) {
  if (state_ != State::authenticating || local_complete_) return;
  local_complete_ = true;
  scratch_.clear();
  if (encode(AuthComplete{}, scratch_)) transport_.send(control_lane, scratch_);  // no fields: cannot fail
  maybe_connected(now);
}

void Session::refuse_auth(std::string_view reason, Time now) {
  if (state_ != State::authenticating) return;
  fail_auth(reason, EndCode::auth_refused, /*tell_peer=*/true, now);
}

void Session::maybe_connected(Time now) {
  if (local_complete_ && remote_complete_ && state_ == State::authenticating) {
    set_state(State::connected, now);
    events_.on_connected(*this, now);
  }
}

void Session::fail_auth(std::string_view reason, EndCode code, bool tell_peer, Time now) {
  if (tell_peer) {
    AuthRefused refused;
    refused.reason = std::string(reason.substr(0, max_reason));
    scratch_.clear();
    if (encode(refused, scratch_)) transport_.send(control_lane, scratch_);  // the reason is cut to fit
  }
  events_.on_authentication_failed(*this, reason, now);
  end(End{code, std::string(reason)}, /*flush=*/tell_peer, now);
}

bool Session::send(std::uint8_t lane, std::span<const std::byte> message) {
  if (state_ != State::connected) return false;
  // On the control lane only role messages: session control is the session's own.
  if (lane == control_lane &&
      (message.empty() || std::to_integer<std::uint8_t>(message[0]) < first_role_type))
    return false;
  return transport_.send(lane, message);
}

void Session::close(bool flush, Time now, End why) { end(std::move(why), flush, now); }

void Session::end(End why, bool flush, Time now) {
  if (state_ == State::closed) return;
  if (state_ == State::closing) {
    // An immediate close always wins over a flushing one that is still under way.
    if (flushing_ && !flush) {
      flushing_ = false;
      transport_.close(/*flush=*/false);
    }
    return;
  }
  end_reason_ = std::move(why);
  flushing_ = flush;
  set_state(State::closing, now);
  transport_.close(flush);
}

void Session::drop(Time now) {
  ++dropped_;
  if (dropped_ > config_.max_bad_messages && state_ != State::closing && state_ != State::closed) {
    if (state_ == State::authenticating) events_.on_authentication_failed(*this, "protocol_error", now);
    end(End{EndCode::session_protocol_error, {}}, /*flush=*/false, now);
  }
}

}  // namespace gs::session
