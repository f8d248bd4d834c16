#pragma once
// Issues login tokens. Thread-safe after construction (signing reads the key only).

#include <chrono>
#include <string>
#include <string_view>

#include "crypto/ed25519.hpp"
#include "crypto/token.hpp"

namespace gs::crypto {

struct issued_token {
    std::string token;  // the compact JWS
    std::string jti;    // its id: 128 random bits, base64url (22 characters)
    token_time expires;
};

class token_signer {
public:
    // `issuer` goes into iss (for example "auth-1"); `kid` names `key` in the header, so
    // verifiers holding several public keys pick the right one during a rotation.
    token_signer(std::string issuer, std::string kid, ed25519_private_key key);

    // A token for account `sub` at world `aud`, valid from `now` for `ttl` (iat = now,
    // exp = now + ttl).
    issued_token issue(std::string_view sub, std::string_view aud, std::chrono::seconds ttl,
                       token_time now) const;

    const std::string& kid() const { return kid_; }
    const ed25519_public_key& public_key() const { return key_.public_key(); }

private:
    std::string issuer_;
    std::string kid_;
    ed25519_private_key key_;
    std::string header_;  // serialised once
};

// The key id used when none is configured: base64url of the first 8 bytes of
// SHA-256(SPKI DER), so a new key gets a new id without anyone choosing one.
std::string default_kid(const ed25519_public_key& key);

}  // namespace gs::crypto
