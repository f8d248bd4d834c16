#pragma once
// The proof each side of a role-to-role link gives that it knows the link's shared
// secret. HMAC-SHA256 keyed with the secret over a transcript of:
//   a fixed context label, the direction label, both 32-byte nonces, both role names and
//   ids, and channel-binding bytes (DTLS exported keying material of this very session),
// each field prefixed by its length (u32, little-endian), so no two transcripts encode
// alike. The two directions have distinct labels: a proof sent by the initiator is never
// a valid proof from the responder, so reflecting a peer's proof back fails. Fresh nonces
// and the channel binding make a recorded proof useless on any other connection.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/secret.hpp"

namespace gs::crypto {

inline constexpr std::size_t link_nonce_bytes = 32;
inline constexpr std::size_t link_proof_bytes = 32;

using LinkNonce = std::array<std::uint8_t, link_nonce_bytes>;
using LinkProof = std::array<std::uint8_t, link_proof_bytes>;

// Who speaks: the side that opened the connection, or the side that accepted it.
enum class LinkDirection : std::uint8_t {
  initiator_to_responder,
  responder_to_initiator,
};

struct LinkParty {
  std::string_view role;  // "gateway", "auth", "world"
  std::string_view id;    // the configured instance id, e.g. "world-1"
};

// Views only: the strings and bytes it points at must outlive it.
struct LinkTranscript {
  LinkParty initiator;
  LinkParty responder;
  LinkNonce initiator_nonce{};
  LinkNonce responder_nonce{};
  std::span<const std::uint8_t> channel_binding;  // exported keying material
};

// A fresh random nonce.
LinkNonce make_link_nonce();

LinkProof compute_link_proof(const SecretBuffer& secret, const LinkTranscript& transcript,
                             LinkDirection direction);

// Recomputes the expected proof and compares in constant time. `proof` of any other
// length than link_proof_bytes fails.
bool verify_link_proof(const SecretBuffer& secret, const LinkTranscript& transcript, LinkDirection direction,
                       std::span<const std::uint8_t> proof);

}  // namespace gs::crypto
