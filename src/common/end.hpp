// Why a connection ended: one vocabulary for every layer (channel, DTLS, transport,
// session, roles), so a reason travels up unchanged instead of being mapped from enum
// to enum, and logs and metrics name it with the same words.
//
// Header-only and dependency-free: the channel, the lowest layer, includes it.
//
// Codes are grouped in numbered ranges, as GameNetworkingSockets does:
//   0     none         not ended
//   1xx   game         a role ended it for a game reason (kicked, replaced by a new login)
//   2xx   session      the session layer ended it (authentication, its own protocol)
//   3xx   local        this side's transport ended it (close(), timeout, DTLS failure...)
//   4xx   remote       the peer ended it; the channel's CLOSE frame says why, and each of
//                      its wire codes has its own code here (see channel/close_code.hpp)
// New codes go at the end of their range; a code's number and name never change (logs
// and dashboards use the names, tests pin them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gs {

enum class EndCode : std::uint16_t {
  none = 0,

  // 1xx game: a role closed the session on purpose. `detail` may carry the role's words.
  kicked = 100,          // the world removed a player; detail: the reason it sent (Kicked)
  login_replaced = 101,  // the same account logged in again; the newer session wins
  login_timeout = 102,   // the gateway gave up waiting for the login to be answered
  resumed = 103,         // the player took its seat back on a new connection; this one is stale

  // 2xx session
  auth_timeout = 200,            // authentication did not complete in time
  auth_refused = 201,            // one side refused the other's auth data
  session_protocol_error = 202,  // repeated malformed or unexpected session messages

  // 3xx local transport
  local = 300,              // close() on this side, no more specific reason
  timeout = 301,            // nothing heard from the peer within the channel timeout; or a
                            // flushing close or a reliable message that made no progress
  protocol_error = 302,     // the peer broke the channel protocol
  overflow = 303,           // the peer exceeded this side's reassembly cap
  handshake_failed = 304,   // DTLS: certificate, cipher or protocol failure
  handshake_timeout = 305,  // DTLS: no complete handshake in time
  dtls_error = 306,         // DTLS failure after the handshake (alert, decoding)
  replaced = 307,           // the same address completed a new handshake (peer restarted)
  shutdown = 308,           // the host or server was shut down

  // 4xx remote: the peer closed
  remote = 400,                 // DTLS close_notify, or a CLOSE after the peer's close()
  remote_timeout = 401,         // the peer's CLOSE said timeout
  remote_protocol_error = 402,  // the peer's CLOSE said we broke the protocol
  remote_overflow = 403,        // the peer's CLOSE said we exceeded its reassembly cap
};

// Every code, in order: what a metric family with one series per reason walks.
inline constexpr EndCode kEndCodes[] = {
    EndCode::none,
    EndCode::kicked,
    EndCode::login_replaced,
    EndCode::login_timeout,
    EndCode::resumed,
    EndCode::auth_timeout,
    EndCode::auth_refused,
    EndCode::session_protocol_error,
    EndCode::local,
    EndCode::timeout,
    EndCode::protocol_error,
    EndCode::overflow,
    EndCode::handshake_failed,
    EndCode::handshake_timeout,
    EndCode::dtls_error,
    EndCode::replaced,
    EndCode::shutdown,
    EndCode::remote,
    EndCode::remote_timeout,
    EndCode::remote_protocol_error,
    EndCode::remote_overflow,
};

// The code's name, as logs and metric labels print it; "unknown" for a number that is no
// code (never for a listed one: tests/common/end_test.cpp walks every range).
constexpr std::string_view to_string(EndCode code) {
  switch (code) {
    case EndCode::none: return "none";
    case EndCode::kicked: return "kicked";
    case EndCode::login_replaced: return "login_replaced";
    case EndCode::login_timeout: return "login_timeout";
    case EndCode::resumed: return "resumed";
    case EndCode::auth_timeout: return "auth_timeout";
    case EndCode::auth_refused: return "auth_refused";
    case EndCode::session_protocol_error: return "session_protocol_error";
    case EndCode::local: return "local";
    case EndCode::timeout: return "timeout";
    case EndCode::protocol_error: return "protocol_error";
    case EndCode::overflow: return "overflow";
    case EndCode::handshake_failed: return "handshake_failed";
    case EndCode::handshake_timeout: return "handshake_timeout";
    case EndCode::dtls_error: return "dtls_error";
    case EndCode::replaced: return "replaced";
    case EndCode::shutdown: return "shutdown";
    case EndCode::remote: return "remote";
    case EndCode::remote_timeout: return "remote_timeout";
    case EndCode::remote_protocol_error: return "remote_protocol_error";
    case EndCode::remote_overflow: return "remote_overflow";
  }
  return "unknown";
}

// The range a code belongs to (its hundreds).
enum class EndRange : std::uint8_t { none = 0, game = 1, session = 2, local = 3, remote = 4 };

constexpr EndRange range_of(EndCode code) {
  const unsigned hundreds = static_cast<unsigned>(code) / 100;
  return hundreds <= 4 ? static_cast<EndRange>(hundreds) : EndRange::none;
}

// One end: what happened and, when there is more to say, a human-readable detail
// ("server certificate does not name example.com", a kick reason...).
struct End {
  EndCode code = EndCode::none;
  std::string detail;

  bool ended() const { return code != EndCode::none; }
  // The detail when there is one, else the code's name: what a log line or a user sees.
  std::string text() const { return detail.empty() ? std::string(to_string(code)) : detail; }
};

}  // namespace gs
