#include "store/account_rules.hpp"

#include <fmt/format.h>

namespace gs::store {

crypto::Result<std::string, NameError> normalize_account_name(std::string_view name) {
  if (name.size() < account_name_min) return crypto::fail(NameError::too_short);
  if (name.size() > account_name_max) return crypto::fail(NameError::too_long);
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '_' && c != '.' && c != '-') return crypto::fail(NameError::bad_character);
    if (out.empty() && !alnum) return crypto::fail(NameError::bad_first_character);
    out.push_back(c);
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else
      return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
      return false;  // overlong
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

std::optional<PasswordError> check_password(std::string_view password) {
  if (password.size() < password_min_bytes) return PasswordError::too_short;
  if (password.size() > password_max_bytes) return PasswordError::too_long;
  if (!is_valid_utf8(password)) return PasswordError::invalid_utf8;
  return std::nullopt;
}

std::string describe(NameError e) {
  switch (e) {
    case NameError::too_short:
    case NameError::too_long:
      return fmt::format("an account name is {} to {} characters", account_name_min, account_name_max);
    case NameError::bad_character:
      return "an account name may contain only letters a-z, digits, '_', '.' and '-'";
    case NameError::bad_first_character: return "an account name must start with a letter or a digit";
  }
  return "invalid account name";
}

std::string describe(PasswordError e) {
  switch (e) {
    case PasswordError::too_short: return fmt::format("a password is at least {} bytes", password_min_bytes);
    case PasswordError::too_long: return fmt::format("a password is at most {} bytes", password_max_bytes);
    case PasswordError::invalid_utf8: return "a password must be valid UTF-8";
  }
  return "invalid password";
}

}  // namespace gs::store
