#include <doctest/doctest.h>

#include <sodium.h>

#include <string>
#include <vector>

#include "crypto/link_proof.hpp"

using namespace gs::crypto;

namespace {

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const std::string binding_a = "exported keying material of session A, 32B";
const std::string binding_b = "exported keying material of session B, 32B";

LinkTranscript transcript(const LinkNonce& ni, const LinkNonce& nr, const std::string& binding) {
  LinkTranscript t;
  t.initiator = {"world", "world-1"};
  t.responder = {"auth", "auth-1"};
  t.initiator_nonce = ni;
  t.responder_nonce = nr;
  t.channel_binding = as_bytes(binding);
  return t;
}

}  // namespace

TEST_CASE("both sides prove and check each other with the same secret") {
  auto secret = SecretBuffer::random(32);
  auto ni = make_link_nonce();
  auto nr = make_link_nonce();
  CHECK(ni != nr);
  auto t = transcript(ni, nr, binding_a);
  auto from_initiator = compute_link_proof(secret, t, LinkDirection::initiator_to_responder);
  auto from_responder = compute_link_proof(secret, t, LinkDirection::responder_to_initiator);
  CHECK(verify_link_proof(secret, t, LinkDirection::initiator_to_responder, from_initiator));
  CHECK(verify_link_proof(secret, t, LinkDirection::responder_to_initiator, from_responder));
  CHECK(from_initiator != from_responder);
}

TEST_CASE("a wrong secret fails") {
  auto secret = SecretBuffer::random(32);
  auto wrong = SecretBuffer::random(32);
  auto t = transcript(make_link_nonce(), make_link_nonce(), binding_a);
  auto proof = compute_link_proof(wrong, t, LinkDirection::initiator_to_responder);
  CHECK_FALSE(verify_link_proof(secret, t, LinkDirection::initiator_to_responder, proof));
}

TEST_CASE("a reflected proof fails: the directions are labelled apart") {
  auto secret = SecretBuffer::random(32);
  auto t = transcript(make_link_nonce(), make_link_nonce(), binding_a);
  // The responder sends its proof; a malicious initiator echoes it back as its own.
  auto responder_proof = compute_link_proof(secret, t, LinkDirection::responder_to_initiator);
  CHECK_FALSE(verify_link_proof(secret, t, LinkDirection::initiator_to_responder, responder_proof));
}

TEST_CASE("a replayed proof fails with other nonces or another channel binding") {
  auto secret = SecretBuffer::random(32);
  auto ni = make_link_nonce();
  auto nr = make_link_nonce();
  auto recorded =
      compute_link_proof(secret, transcript(ni, nr, binding_a), LinkDirection::initiator_to_responder);
  const auto dir = LinkDirection::initiator_to_responder;
  CHECK_FALSE(verify_link_proof(secret, transcript(ni, make_link_nonce(), binding_a), dir, recorded));
  CHECK_FALSE(verify_link_proof(secret, transcript(make_link_nonce(), nr, binding_a), dir, recorded));
  CHECK_FALSE(verify_link_proof(secret, transcript(ni, nr, binding_b), dir, recorded));
  CHECK(verify_link_proof(secret, transcript(ni, nr, binding_a), dir, recorded));
}

TEST_CASE("roles and ids are bound, and fields cannot slide into each other") {
  auto secret = SecretBuffer::random(32);
  auto t = transcript(make_link_nonce(), make_link_nonce(), binding_a);
  auto proof = compute_link_proof(secret, t, LinkDirection::initiator_to_responder);
  auto other = t;
  other.initiator = {"gateway", "world-1"};
  CHECK_FALSE(verify_link_proof(secret, other, LinkDirection::initiator_to_responder, proof));
  other = t;
  other.initiator = {"world", "world-2"};
  CHECK_FALSE(verify_link_proof(secret, other, LinkDirection::initiator_to_responder, proof));
  // "world"+"-1" against "world-"+"1": the length prefixes keep them apart.
  auto a = t;
  a.initiator = {"world", "-1"};
  auto b = t;
  b.initiator = {"world-", "1"};
  CHECK(compute_link_proof(secret, a, LinkDirection::initiator_to_responder) !=
        compute_link_proof(secret, b, LinkDirection::initiator_to_responder));
}

TEST_CASE("a truncated or extended proof fails") {
  auto secret = SecretBuffer::random(32);
  auto t = transcript(make_link_nonce(), make_link_nonce(), binding_a);
  auto proof = compute_link_proof(secret, t, LinkDirection::initiator_to_responder);
  CHECK_FALSE(
      verify_link_proof(secret, t, LinkDirection::initiator_to_responder, std::span(proof).first(31)));
  std::vector<std::uint8_t> longer(proof.begin(), proof.end());
  longer.push_back(0);
  CHECK_FALSE(verify_link_proof(secret, t, LinkDirection::initiator_to_responder, longer));
}

TEST_CASE("known answer: the transcript encoding is stable") {
  // Fixed inputs, so an accidental change of the encoding (which would break links between
  // versions) shows up here. Secret: 32 bytes 0x01; nonces 0x02.. and 0x03..; binding "cb".
  std::array<std::uint8_t, 32> raw{};
  raw.fill(1);
  SecretBuffer secret(raw);
  LinkNonce ni{};
  ni.fill(2);
  LinkNonce nr{};
  nr.fill(3);
  const std::string binding = "cb";
  auto t = transcript(ni, nr, binding);
  auto p = compute_link_proof(secret, t, LinkDirection::initiator_to_responder);
  // Recompute with a plain one-shot HMAC over the documented layout.
  std::string msg;
  auto field = [&](std::string_view f) {
    auto n = static_cast<std::uint32_t>(f.size());
    for (int i = 0; i < 4; ++i) msg.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    msg.append(f);
  };
  field("gameserver role link proof v1");
  field("initiator to responder");
  field(std::string(32, '\x02'));
  field(std::string(32, '\x03'));
  field("world");
  field("world-1");
  field("auth");
  field("auth-1");
  field("cb");
  LinkProof expected{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, raw.data(), raw.size());
  crypto_auth_hmacsha256_update(&st, as_bytes(msg).data(), msg.size());
  crypto_auth_hmacsha256_final(&st, expected.data());
  CHECK(p == expected);
}
