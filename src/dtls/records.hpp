// Minimal, bounds-checked inspection of DTLS record headers (no decryption).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gs::dtls {

struct HelloInfo {
  bool is_client_hello = false;         // first record is an unfragmented epoch-0 ClientHello
  bool has_cookie = false;              // ... carrying a non-empty cookie
  bool extended_master_secret = false;  // ... offering Extended Master Secret (RFC 7627)
  // ... and its random (a resent hello, with or without the cookie, repeats it).
  std::array<std::uint8_t, 32> random{};
};

// Looks at the first record of a datagram. Never reads out of bounds.
HelloInfo inspect_client_hello(std::span<const std::uint8_t> datagram);

struct ServerHelloInfo {
  bool is_server_hello = false;         // some record is an unfragmented epoch-0 ServerHello
  bool extended_master_secret = false;  // ... that accepts Extended Master Secret
};

// Looks at every record of a datagram for a ServerHello. Never reads out of bounds.
ServerHelloInfo inspect_server_hello(std::span<const std::uint8_t> datagram);

// True when some record of the datagram is an unfragmented epoch-0 ClientKeyExchange,
// as the first record of a client's final handshake flight.
bool is_client_key_exchange(std::span<const std::uint8_t> datagram);

// True when the datagram is exactly one record (of any type, with any sequence number).
bool is_single_record(std::span<const std::uint8_t> datagram);

// True when the datagram is exactly one record with sequence number 0, as a client's
// first ClientHello. Anything else may move a listening object's replay window.
bool is_lone_first_record(std::span<const std::uint8_t> datagram);

inline constexpr std::size_t kRecordHeaderSize = 13;
inline constexpr std::uint8_t kContentHandshake = 22;
inline constexpr std::uint8_t kContentApplicationData = 23;

}  // namespace gs::dtls
