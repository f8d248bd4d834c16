#include "crypto/link_proof.hpp"

#include <sodium.h>

#include "crypto/sodium.hpp"

namespace gs::crypto {
namespace {

constexpr std::string_view context_label = "gameserver role link proof v1";
constexpr std::string_view initiator_label = "initiator to responder";
constexpr std::string_view responder_label = "responder to initiator";

void absorb(crypto_auth_hmacsha256_state& st, std::span<const std::uint8_t> field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  const std::uint8_t len[4] = {static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                               static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 24)};
  crypto_auth_hmacsha256_update(&st, len, sizeof len);
  if (!field.empty()) crypto_auth_hmacsha256_update(&st, field.data(), field.size());
}

void absorb(crypto_auth_hmacsha256_state& st, std::string_view text) {
  absorb(st, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace

LinkNonce make_link_nonce() {
  ensure_sodium();
  LinkNonce n{};
  randombytes_buf(n.data(), n.size());
  return n;
}

LinkProof compute_link_proof(const SecretBuffer& secret, const LinkTranscript& t, LinkDirection direction) {
  ensure_sodium();
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, secret.data(), secret.size());
  absorb(st, context_label);
  absorb(st, direction == LinkDirection::initiator_to_responder ? initiator_label : responder_label);
  absorb(st, t.initiator_nonce);
  absorb(st, t.responder_nonce);
  absorb(st, t.initiator.role);
  absorb(st, t.initiator.id);
  absorb(st, t.responder.role);
  absorb(st, t.responder.id);
  absorb(st, t.channel_binding);
  LinkProof out{};
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

bool verify_link_proof(const SecretBuffer& secret, const LinkTranscript& transcript, LinkDirection direction,
                       std::span<const std::uint8_t> proof) {
  if (proof.size() != link_proof_bytes) return false;
  LinkProof expected = compute_link_proof(secret, transcript, direction);
  bool same = crypto_verify_32(expected.data(), proof.data()) == 0;
  sodium_memzero(expected.data(), expected.size());
  return same;
}

}  // namespace gs::crypto
