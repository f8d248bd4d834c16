#pragma once
// Issues login tokens. Thread-safe after construction (signing reads the key only).

#include <chrono>
#include <string>
#include <string_view>

#include "crypto/ed25519.hpp"
#include "crypto/token.hpp"

namespace gs::crypto {

struct IssuedToken {
  std::string token;  // the compact JWS
  std::string jti;    // its id: 128 random bits, base64url (22 characters)
  TokenTime expires;
};

class TokenSigner {
 public:
  // `issuer` goes into iss (for example "auth-1"); `kid` names `key` in the header, so
  // verifiers holding several public keys pick the right one during a rotation.
  TokenSigner(std::string issuer, std::string kid, Ed25519PrivateKey key);

  // A token for account `sub` at world `aud`, valid from `now` for `ttl` (iat = now,
  // exp = now + ttl).
  IssuedToken issue(std::string_view sub, std::string_view aud, std::chrono::seconds ttl,
                    TokenTime now) const;

  const std::string& kid() const { return kid_; }
  const Ed25519PublicKey& public_key() const { return key_.public_key(); }

 private:
  std::string issuer_;
  std::string kid_;
  Ed25519PrivateKey key_;
  std::string header_;  // serialised once
};

// The key id used when none is configured: base64url of the first 8 bytes of
// SHA-256(SPKI DER), so a new key gets a new id without anyone choosing one.
std::string default_kid(const Ed25519PublicKey& key);

}  // namespace gs::crypto
