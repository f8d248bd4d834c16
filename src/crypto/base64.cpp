#include "crypto/base64.hpp"

#include <sodium.h>

#include "crypto/sodium.hpp"

namespace gs::crypto {
namespace {

std::string encode(std::span<const std::uint8_t> bytes, int variant) {
  ensure_sodium();
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool decode_into(std::string_view text, std::uint8_t* out, std::size_t capacity, std::size_t& written,
                 const char* ignore, int variant) {
  ensure_sodium();
  const char* end = nullptr;
  if (sodium_base642bin(out, capacity, text.data(), text.size(), ignore, &written, &end, variant) != 0)
    return false;
  return end == text.data() + text.size();
}

std::optional<std::vector<std::uint8_t>> decode(std::string_view text, const char* ignore, int variant) {
  std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);
  std::size_t written = 0;
  if (!decode_into(text, out.data(), out.size(), written, ignore, variant)) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  return encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string base64url_encode(std::string_view bytes) {
  return base64url_encode(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  return decode(text, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool base64url_decode_exact(std::string_view text, std::span<std::uint8_t> out) {
  if (text.size() % 4 == 1) return false;
  std::size_t written = 0;
  if (!decode_into(text, out.data(), out.size(), written, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
    return false;
  return written == out.size();
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  return encode(bytes, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  return decode(text, " \t\r\n", sodium_base64_VARIANT_ORIGINAL);
}

}  // namespace gs::crypto
