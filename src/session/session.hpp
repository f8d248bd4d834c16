#pragma once
// A session: one peer's life above the transport, from the DTLS handshake to the
// close. Sans-IO: the owner feeds it transport events and time; it answers through
// SessionTransport and reports through SessionEvents.
//
// The pre-auth exchange follows SceneMultiplayer's: when the transport is up both
// sides are *authenticating* and on_authenticating() tells the owner, who calls
// send_auth() with its auth data. The other side's on_auth_data() validates it and
// calls complete_auth(). The session is *connected* only when both sides completed;
// if that does not happen within auth_timeout, both sides close and report
// on_authentication_failed(). Until then any message other than auth data is
// dropped and counted.

#include "common/end.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session/knobs.hpp"

namespace gs::session {

// The same clock the channel uses; time is always passed in.
using Time = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

enum class State : std::uint8_t { handshaking, authenticating, connected, closing, closed };

// Why a session ended is a gs::End (common/end.hpp), kept apart from the state: a
// session-range code when the session ended it (auth_timeout, auth_refused,
// session_protocol_error), the role's code when a role closed it with one, else the
// transport's end as the transport reported it.

std::string_view to_string(State state);

// What each setting is and its range: session/knobs.hpp.
struct SessionConfig {
  Duration auth_timeout = knobs::auth_timeout.def;
  std::uint32_t max_bad_messages = knobs::max_bad_messages.def;
};

// What the session drives: the transport connection under it.
class SessionTransport {
 public:
  virtual ~SessionTransport() = default;
  // Queues one message on a lane; false if the transport refused it (queue full, closed).
  virtual bool send(std::uint8_t lane, std::span<const std::byte> message) = 0;
  // Closes the transport; with `flush`, queued reliable data is delivered first.
  virtual void close(bool flush) = 0;
};

class Session;

class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  // Both sides are authenticating: call send_auth() now.
  virtual void on_authenticating(Session& session, Time now) = 0;
  // The peer's auth data: validate it, then complete_auth() or refuse_auth().
  virtual void on_auth_data(Session& session, std::span<const std::uint8_t> data, Time now) = 0;
  virtual void on_connected(Session& session, Time now) = 0;
  // Authentication did not succeed; the session is closing. `reason` is the peer's
  // refusal reason, or "timeout", or this side's own refusal reason.
  virtual void on_authentication_failed(Session& session, std::string_view reason, Time now) = 0;
  // A message while connected: on the control lane a role message (type >= first_role_type,
  // `type` its first byte); on any other lane (the game's) whatever bytes came, empty ones
  // too (`type` then the first byte, or 0).
  virtual void on_message(Session& session, std::uint8_t lane, std::uint8_t type,
                          std::span<const std::byte> message, Time now) = 0;
  virtual void on_closed(Session& session, const End& end, Time now) = 0;
};

class Session {
 public:
  Session(const SessionConfig& config, SessionTransport& transport, SessionEvents& events, Time now);

  // --- from the transport ---
  // The DTLS handshake completed; `channel_binding` is its exported keying material.
  void transport_open(std::span<const std::uint8_t> channel_binding, Time now);
  // One complete channel message.
  void transport_message(std::uint8_t lane, std::span<const std::byte> message, Time now);
  // The transport is gone; `end` is the transport's reason (kept unless the session
  // had already ended for its own).
  void transport_closed(const End& end, Time now);
  // Fires the auth timeout when due.
  void update(Time now);
  // When update() must next run (Time::max() when no timer is armed).
  Time next_wakeup() const;

  // --- from the owner ---
  // Sends auth data to the peer (allowed while authenticating; several messages allowed).
  bool send_auth(std::span<const std::uint8_t> data);
  // This side accepts the peer.
  void complete_auth(Time now);
  // This side refuses the peer: tells it why, then closes.
  void refuse_auth(std::string_view reason, Time now);
  // Sends a message; only when connected. On the control lane it must be an encoded role
  // message (type byte >= first_role_type); on the game's lanes any bytes.
  bool send(std::uint8_t lane, std::span<const std::byte> message);
  // Closes; with `flush` queued reliable data is delivered first. An immediate close
  // while a flushing one is under way cuts it short. The transport reports the end
  // later (transport_closed), never from inside this call. `why` is the end reported
  // (a role's game-range code, e.g. kicked); plain local without one.
  void close(bool flush, Time now, End why = End{EndCode::local, {}});

  State state() const { return state_; }
  // Why the session ended (code none while it has not).
  const End& end_reason() const { return end_reason_; }
  // When `state` was last entered (Time{} if never).
  Time entered(State state) const { return entered_[static_cast<std::size_t>(state)]; }
  std::span<const std::uint8_t> channel_binding() const { return channel_binding_; }
  std::uint64_t dropped_messages() const { return dropped_; }

 private:
  void set_state(State next, Time now);
  void end(End why, bool flush, Time now);
  void fail_auth(std::string_view reason, EndCode code, bool tell_peer, Time now);
  void maybe_connected(Time now);
  void drop(Time now);
  void handle_control(std::span<const std::byte> message, Time now);

  SessionConfig config_;
  SessionTransport& transport_;
  SessionEvents& events_;
  State state_ = State::handshaking;
  End end_reason_;
  std::array<Time, 5> entered_{};
  std::vector<std::uint8_t> channel_binding_;
  bool local_complete_ = false;
  bool remote_complete_ = false;
  bool flushing_ = false;  // closing after a flush; an immediate close may still cut it short
  std::uint64_t dropped_ = 0;
  std::vector<std::byte> scratch_;
};

}  // namespace gs::session
