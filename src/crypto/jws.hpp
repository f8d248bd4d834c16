#pragma once
// Compact JWS (RFC 7515 section 7.1) with EdDSA over Ed25519 (RFC 8037): the layer under
// tokens that knows nothing of claims. BASE64URL(header) "." BASE64URL(payload) "."
// BASE64URL(signature), the signature over the first two parts as ASCII.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.hpp"
#include "crypto/result.hpp"

namespace gs::crypto {

// Signs `payload` under the protected header `header_json` (sent byte for byte).
std::string jws_sign_compact(std::string_view header_json, std::span<const std::uint8_t> payload,
                             const Ed25519PrivateKey& key);

enum class JwsError : std::uint8_t {
  wrong_part_count,  // not exactly three dot-separated parts
  bad_base64url,     // a part is not strict unpadded base64url
};

struct JwsParts {
  std::string_view signing_input;  // "header.payload", what the signature covers
  std::vector<std::uint8_t> header;
  std::vector<std::uint8_t> payload;
  std::vector<std::uint8_t> signature;
};

// Splits and decodes; checks no signature.
Result<JwsParts, JwsError> jws_split(std::string_view compact);

// True when `parts.signature` is a valid Ed25519 signature of `parts.signing_input`.
bool jws_signature_valid(const JwsParts& parts, const Ed25519PublicKey& key);

}  // namespace gs::crypto
