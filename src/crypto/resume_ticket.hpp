#pragma once
// A world's resume ticket: lets a player whose network path broke (Wi-Fi to mobile, a NAT
// that changed its source port, a short outage) take its seat back without the password.
// The ticket names the world, the account and the player id, is valid until `expires`,
// and is MACed (HMAC-SHA-256) with a key the world process draws when it starts, so a
// restarted world refuses every ticket of the one before. Single use is the world's
// part: it keeps the nonce of the one ticket each player may present and issues a fresh
// ticket after every resume. Layout (not yet on the wire, so not yet in PROTOCOL.md):
//
//   u8 version (1) | u8 len, world | u8 len, account | u32 player id | u64 expires
//   (seconds since the epoch) | 16 bytes nonce | 32 bytes HMAC-SHA-256 of all before
//
// Integers big-endian. A JWS login token begins with 'e', so a world tells the two
// kinds of pre-auth data apart by the first byte.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.hpp"
#include "crypto/secret.hpp"

namespace gs::crypto {

inline constexpr std::uint8_t resume_ticket_version = 1;
inline constexpr std::size_t resume_nonce_bytes = 16;
inline constexpr std::size_t resume_mac_bytes = 32;
inline constexpr std::size_t resume_max_name = 64;  // world ids and accounts (protocol::max_name)

using ResumeNonce = std::array<std::uint8_t, resume_nonce_bytes>;

struct ResumeClaims {
  std::string world;
  std::string account;
  std::uint32_t player_id = 0;
  std::uint64_t expires = 0;  // seconds since the epoch
  ResumeNonce nonce{};
};

enum class ResumeError {
  malformed,    // not a ticket of this layout and version, or a name too long
  bad_mac,      // not made with this world process's key (forged, or before a restart)
  wrong_world,  // made for another world
  expired,
};
const char* to_string(ResumeError error);

struct IssuedTicket {
  std::vector<std::uint8_t> bytes;
  ResumeNonce nonce{};  // what the world keeps to accept this ticket once
};

class ResumeTickets {
 public:
  // `world` is this world's id; a fresh random key.
  explicit ResumeTickets(std::string world);

  // A ticket for `account`'s player `player_id`, valid until `expires`. Returns an empty
  // ticket when a name is longer than resume_max_name.
  IssuedTicket issue(std::string_view account, std::uint32_t player_id, std::uint64_t expires) const;

  // The claims of `ticket` if it is well formed, made with this key, for this world and
  // not expired at `now` (seconds since the epoch). Checks run in that order; the MAC is
  // compared in constant time before any claim is believed.
  Result<ResumeClaims, ResumeError> verify(std::span<const std::uint8_t> ticket, std::uint64_t now) const;

 private:
  std::array<std::uint8_t, resume_mac_bytes> mac(std::span<const std::uint8_t> body) const;

  std::string world_;
  SecretBuffer key_;
};

}  // namespace gs::crypto
