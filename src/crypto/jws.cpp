#include "crypto/jws.hpp"

#include <algorithm>

#include "crypto/base64.hpp"

namespace gs::crypto {

std::string jws_sign_compact(std::string_view header_json, std::span<const std::uint8_t> payload,
                             const Ed25519PrivateKey& key) {
  std::string out = base64url_encode(header_json);
  out.push_back('.');
  out += base64url_encode(payload);
  Ed25519Signature sig =
      key.sign(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
  out.push_back('.');
  out += base64url_encode(sig);
  return out;
}

Result<JwsParts, JwsError> jws_split(std::string_view compact) {
  if (std::count(compact.begin(), compact.end(), '.') != 2) return fail(JwsError::wrong_part_count);
  std::size_t first = compact.find('.');
  std::size_t second = compact.find('.', first + 1);
  std::string_view h = compact.substr(0, first);
  std::string_view p = compact.substr(first + 1, second - first - 1);
  std::string_view s = compact.substr(second + 1);
  auto header = base64url_decode(h);
  auto payload = base64url_decode(p);
  auto signature = base64url_decode(s);
  if (!header || !payload || !signature) return fail(JwsError::bad_base64url);
  return JwsParts{compact.substr(0, second), std::move(*header), std::move(*payload), std::move(*signature)};
}

bool jws_signature_valid(const JwsParts& parts, const Ed25519PublicKey& key) {
  return ed25519_verify(
      key,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(parts.signing_input.data()),
                                    parts.signing_input.size()),
      parts.signature);
}

}  // namespace gs::crypto
