#include <doctest/doctest.h>

#include "store/account_rules.hpp"

using namespace gs::store;

namespace {
std::string norm(std::string_view s) {
  auto r = normalize_account_name(s);
  REQUIRE(r.ok());
  return r.value();
}
NameError name_err(std::string_view s) {
  auto r = normalize_account_name(s);
  REQUIRE_FALSE(r.ok());
  return r.error();
}
}  // namespace

TEST_CASE("account names fold ASCII case and keep the allowed characters") {
  CHECK(norm("Alice") == "alice");
  CHECK(norm("BOB_the.builder-2") == "bob_the.builder-2");
  CHECK(norm("007") == "007");
  CHECK(norm("abc") == "abc");
  CHECK(norm(std::string(32, 'z')) == std::string(32, 'z'));
}

TEST_CASE("account names: each rule has its error and message") {
  CHECK(name_err("ab") == NameError::too_short);
  CHECK(name_err("") == NameError::too_short);
  CHECK(name_err(std::string(33, 'a')) == NameError::too_long);
  CHECK(name_err("al ice") == NameError::bad_character);
  CHECK(name_err("alice'--") == NameError::bad_character);
  CHECK(name_err("al\xc3\xaf"
                 "ce") == NameError::bad_character);  // non-ASCII
  CHECK(name_err(std::string("ali\0ce", 6)) == NameError::bad_character);
  CHECK(name_err("-alice") == NameError::bad_first_character);
  CHECK(name_err(".alice") == NameError::bad_first_character);
  CHECK(name_err("_alice") == NameError::bad_first_character);
  CHECK(describe(NameError::too_short) == "an account name is 3 to 32 characters");
  CHECK(describe(NameError::bad_character).find("a-z") != std::string::npos);
  CHECK(describe(NameError::bad_first_character).find("start") != std::string::npos);
}

TEST_CASE("passwords: 8..1024 bytes of valid UTF-8") {
  CHECK_FALSE(check_password("12345678"));
  CHECK_FALSE(check_password("p\xc3\xa4sswort!"));                  // ä
  CHECK_FALSE(check_password("\xf0\x9f\x94\x91\xf0\x9f\x94\x91"));  // two 4-byte emoji
  CHECK_FALSE(check_password(std::string(1024, 'x')));
  CHECK(check_password("1234567") == PasswordError::too_short);
  CHECK(check_password(std::string(1025, 'x')) == PasswordError::too_long);
  CHECK(check_password("abcdefg\xff") == PasswordError::invalid_utf8);
  CHECK(check_password("abcdefg\xc3") == PasswordError::invalid_utf8);              // truncated
  CHECK(check_password("abcdefg\xc0\xaf") == PasswordError::invalid_utf8);          // overlong '/'
  CHECK(check_password("abcdefg\xe0\x80\xaf") == PasswordError::invalid_utf8);      // overlong
  CHECK(check_password("abcdefg\xed\xa0\x80") == PasswordError::invalid_utf8);      // surrogate
  CHECK(check_password("abcdefg\xf4\x90\x80\x80") == PasswordError::invalid_utf8);  // > U+10FFFF
  CHECK(check_password("abcdefg\x80") == PasswordError::invalid_utf8);              // lone continuation
  CHECK(describe(PasswordError::too_short) == "a password is at least 8 bytes");
  CHECK(describe(PasswordError::too_long) == "a password is at most 1024 bytes");
  CHECK(describe(PasswordError::invalid_utf8) == "a password must be valid UTF-8");
}
