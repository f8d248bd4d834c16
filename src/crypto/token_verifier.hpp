#pragma once
// Verifies login tokens with public keys only. Every refusal has its own TokenError.
// Not thread-safe (the single-use cache changes on every accepted token): one verifier
// per event loop. Time is passed in; nothing here reads a clock.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.hpp"
#include "crypto/jti_cache.hpp"
#include "crypto/result.hpp"
#include "crypto/token.hpp"

namespace gs::crypto {

struct TokenVerifierConfig {
  // This verifier's own id; a token's aud must equal it. Required.
  std::string audience;
  // When not empty, a token's iss must be one of these (the world: world.token_issuers).
  std::vector<std::string> issuers;
  // Allowed clock difference between issuer and verifier, applied to exp, nbf and iat.
  std::chrono::seconds leeway{5};
  // Tokens whose exp lies further than this beyond now are refused. Bounds how long a
  // jti must be remembered and so the single-use cache's memory.
  std::chrono::seconds max_lifetime{max_token_lifetime};
  // Longest token accepted, in bytes; checked before anything is decoded.
  std::size_t max_token_bytes = 2048;
  // Most token ids remembered at once (each entry about 100 bytes).
  std::size_t jti_capacity = 100000;
};

// Key ids to public keys. Several at once during a rotation.
using TokenKeySet = std::map<std::string, Ed25519PublicKey, std::less<>>;

// The public keys in `files` (PEM, SPKI), each under the key id auth derives when it
// signs with its private half (default_kid), so nobody names keys and two keys never
// share an id. Throws std::runtime_error naming a file that does not load.
TokenKeySet read_token_key_set(const std::vector<std::filesystem::path>& files);

class TokenVerifier {
 public:
  // Throws std::invalid_argument when the audience is empty or no key is given.
  TokenVerifier(TokenVerifierConfig config, TokenKeySet keys);

  enum class JtiUse : std::uint8_t {
    consume,  // the normal path: the token is accepted once
    inspect,  // check everything but do not mark the token used (admin tools)
  };

  // Verifies `token` at time `now`. Checks, in order: size, three parts, base64url,
  // header JSON, alg (EdDSA only), typ (JWT), kid, signature, claims JSON and types,
  // exp, nbf, iat, aud, iss, lifetime, jti.
  Result<TokenClaims, TokenError> verify(std::string_view token, TokenTime now, JtiUse use = JtiUse::consume);

  // Key rotation: verifies with `keys` from now on. Tokens already accepted stay
  // used (the single-use memory is kept). Throws std::invalid_argument, changing
  // nothing, when `keys` is empty.
  void set_keys(TokenKeySet keys);
  const TokenKeySet& keys() const { return keys_; }

  const TokenVerifierConfig& config() const { return config_; }
  std::size_t remembered_ids() const { return used_.size(); }

 private:
  TokenVerifierConfig config_;
  TokenKeySet keys_;
  JtiCache used_;
};

}  // namespace gs::crypto
