#include "crypto/token_signer.hpp"

#include <sodium.h>

#include <array>

#include <nlohmann/json.hpp>

#include "crypto/base64.hpp"
#include "crypto/jws.hpp"
#include "crypto/sodium.hpp"

namespace gs::crypto {

TokenSigner::TokenSigner(std::string issuer, std::string kid, Ed25519PrivateKey key)
    : issuer_(std::move(issuer)), kid_(std::move(kid)), key_(std::move(key)) {
  ensure_sodium();
  nlohmann::ordered_json header;
  header["alg"] = "EdDSA";
  header["typ"] = "JWT";
  header["kid"] = kid_;
  header_ = header.dump();
}

IssuedToken TokenSigner::issue(std::string_view sub, std::string_view aud, std::chrono::seconds ttl,
                               TokenTime now) const {
  std::array<std::uint8_t, 16> id{};
  randombytes_buf(id.data(), id.size());
  IssuedToken out;
  out.jti = base64url_encode(id);
  out.expires = now + ttl;

  nlohmann::ordered_json claims;
  claims["iss"] = issuer_;
  claims["sub"] = std::string(sub);
  claims["aud"] = std::string(aud);
  claims["iat"] = now.time_since_epoch().count();
  claims["exp"] = out.expires.time_since_epoch().count();
  claims["jti"] = out.jti;
  std::string payload = claims.dump();
  out.token = jws_sign_compact(
      header_,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
      key_);
  return out;
}

std::string default_kid(const Ed25519PublicKey& key) {
  ensure_sodium();
  static constexpr std::array<std::uint8_t, 12> spki_prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                               0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  std::array<std::uint8_t, 44> der{};
  std::copy(spki_prefix.begin(), spki_prefix.end(), der.begin());
  std::copy(key.begin(), key.end(), der.begin() + spki_prefix.size());
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), der.data(), der.size());
  return base64url_encode(std::span<const std::uint8_t>(digest.data(), 8));
}

}  // namespace gs::crypto
