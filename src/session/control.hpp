#pragma once
// The session's own messages, exchanged before and beside the roles' messages.
// Type ids 0x01..0x0f belong to the session; roles use 0x10 and up.

#include <cstdint>
#include <string>
#include <vector>

namespace gs::session {

inline constexpr std::uint8_t first_role_type = 0x10;
inline constexpr std::uint8_t control_lane = 0;  // reliable ordered

// Most auth data one message may carry, bytes.
inline constexpr std::size_t max_auth_data = 4096;
inline constexpr std::size_t max_reason = 64;

// Pre-auth data for the other side's auth callback (a token, a link proof...).
struct AuthData {
  static constexpr std::uint8_t type = 0x01;
  std::vector<std::uint8_t> data;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.bytes(m.data, max_auth_data);
  }
};

// "I accept you": this side's auth callback completed.
struct AuthComplete {
  static constexpr std::uint8_t type = 0x02;
  template <class IO, class M>
  static void fields(IO&, M&) {}
};

// "I refuse you", with a short machine-readable reason, before the close.
struct AuthRefused {
  static constexpr std::uint8_t type = 0x03;
  std::string reason;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.reason, max_reason);
  }
};

}  // namespace gs::session
