#include "crypto/jws.hpp"

#include <algorithm>

#include "crypto/base64.hpp"

namespace gs::crypto {

std::string jws_sign_compact(std::string_view header_json, std::span<const std::uint8_t> payload,
                             const ed25519_private_key& key) {
    std::string out = base64url_encode(header_json);
    out.push_back('.');
    out += base64url_encode(payload);
    ed25519_signature sig = key.sign(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
    out.push_back('.');
    out += base64url_encode(sig);
    return out;
}

result<jws_parts, jws_error> jws_split(std::string_view compact) {
    if (std::count(compact.begin(), compact.end(), '.') != 2) return fail(jws_error::wrong_part_count);
    std::size_t first = compact.find('.');
    std::size_t second = compact.find('.', first + 1);
    std::string_view h = compact.substr(0, first);
    std::string_view p = compact.substr(first + 1, second - first - 1);
    std::string_view s = compact.substr(second + 1);
    auto header = base64url_decode(h);
    auto payload = base64url_decode(p);
    auto signature = base64url_decode(s);
    if (!header || !payload || !signature) return fail(jws_error::bad_base64url);
    return jws_parts{compact.substr(0, second), std::move(*header), std::move(*payload),
                     std::move(*signature)};
}

bool jws_signature_valid(const jws_parts& parts, const ed25519_public_key& key) {
    return ed25519_verify(key,
                          std::span<const std::uint8_t>(
                              reinterpret_cast<const std::uint8_t*>(parts.signing_input.data()),
                              parts.signing_input.size()),
                          parts.signature);
}

}  // namespace gs::crypto
