#pragma once
// Base64 codecs. base64url without padding is the JOSE encoding (RFC 7515 section 2);
// standard base64 with padding is the PEM body encoding (RFC 7468).
// Decoding is strict: characters outside the alphabet, padding where none is allowed,
// an impossible length, or non-zero unused bits in the last character all fail. Each
// encoding of a byte string is therefore unique. Both run in constant time with respect
// to the data (libsodium), so they are safe for key material.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gs::crypto {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);
// Decodes into exactly `out.size()` bytes; false on any error or a different length.
bool base64url_decode_exact(std::string_view text, std::span<std::uint8_t> out);

std::string base64_encode(std::span<const std::uint8_t> bytes);
// Standard alphabet with padding; CR, LF, space and tab anywhere are skipped (PEM lines).
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace gs::crypto
