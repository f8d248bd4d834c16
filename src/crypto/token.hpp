#pragma once
// Login tokens: JWT (RFC 7519) in compact JWS with EdDSA/Ed25519 (RFC 8037).
// Header {"alg":"EdDSA","typ":"JWT","kid":KID}; claims iss, sub, aud, iat, exp, jti.
// The auth role issues them (token_signer.hpp); a world verifies them with public keys
// only (token_verifier.hpp).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gs::crypto {

// Seconds since the Unix epoch, the JWT NumericDate.
using TokenTime = std::chrono::sys_seconds;

// The longest lifetime a token may have: the most auth.token_ttl accepts and the
// verifier's default limit, one constant so that every token auth can be configured
// to issue verifies.
inline constexpr std::chrono::seconds max_token_lifetime{600};

struct TokenClaims {
  std::string kid;  // from the header: which key signed it
  std::string iss;  // issuer; empty when the token had none
  std::string sub;  // the account name
  std::string aud;  // the world the token is for (the verifier's own id once verified)
  std::string jti;  // unique token id
  std::optional<TokenTime> iat;
  std::optional<TokenTime> nbf;
  TokenTime exp;
};

// Why a token was refused, in the order the verifier checks.
enum class TokenError : std::uint8_t {
  oversized,          // longer than the configured limit; nothing else was looked at
  wrong_part_count,   // not header.payload.signature (a JWE has five parts)
  bad_base64url,      // a part is not strict unpadded base64url
  bad_json,           // header or payload not a JSON object, or a duplicated member name
  bad_header,         // alg/typ/kid not strings, or a "crit" extension we do not know
  alg_none,           // "alg":"none", an unsigned token
  alg_not_allowed,    // any alg but EdDSA (HS256, RS256, ES256...): the algorithm is pinned
  bad_typ,            // typ missing or not JWT
  missing_kid,        // no kid, so no way to pick a key
  unknown_kid,        // kid not among the configured keys
  bad_signature,      // the signature does not verify under the kid's key
  bad_claims,         // sub, aud, exp or jti missing or of the wrong type or size
  expired,            // now > exp + leeway
  not_yet_valid,      // now < nbf - leeway
  issued_in_future,   // now < iat - leeway
  wrong_audience,     // aud is not the verifier's id
  wrong_issuer,       // iss is not one of the issuers the verifier accepts
  lifetime_too_long,  // exp further ahead than the verifier's maximum lifetime
  jti_reused,         // this token was already accepted once
  jti_cache_full,     // too many live tokens to remember; try again shortly
};

// Stable snake_case name, for logs, metrics and the `token verify` command.
std::string_view to_string(TokenError e);

}  // namespace gs::crypto
