#pragma once
// What an account name and a password may be.
//
// Account names: ASCII letters are folded to lower case; then only a-z, 0-9, '_', '.'
// and '-' are allowed, the first character a letter or digit, 3 to 32 characters.
// "Alice" and "alice" are the same account. Non-ASCII names are refused rather than
// folded: Unicode normalisation (NFC) and case folding need ICU, which the server does not
// link, and without them two different byte strings can look identical on screen.
// The first character rule keeps names from looking like command-line options.
//
// Passwords: 8 to 1024 bytes of valid UTF-8 (no overlong forms, no surrogates, nothing
// above U+10FFFF). Anything else is accepted as typed: no normalisation, no trimming.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/result.hpp"

namespace gs::store {

inline constexpr std::size_t account_name_min = 3;
inline constexpr std::size_t account_name_max = 32;
inline constexpr std::size_t password_min_bytes = 8;
inline constexpr std::size_t password_max_bytes = 1024;

enum class NameError : std::uint8_t { too_short, too_long, bad_character, bad_first_character };
enum class PasswordError : std::uint8_t { too_short, too_long, invalid_utf8 };

// The canonical (stored) form of `name`, or why it is not a valid name.
crypto::Result<std::string, NameError> normalize_account_name(std::string_view name);

// nullopt when `password` is acceptable.
std::optional<PasswordError> check_password(std::string_view password);

bool is_valid_utf8(std::string_view text);

// A sentence for people, e.g. "an account name is 3 to 32 characters".
std::string describe(NameError e);
std::string describe(PasswordError e);

}  // namespace gs::store
