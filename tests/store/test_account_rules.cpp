#include <doctest/doctest.h>

#include "store/account_rules.hpp"

using namespace gs::store;

namespace {
std::string norm(std::string_view s) {
    auto r = normalize_account_name(s);
    REQUIRE(r.ok());
    return r.value();
}
name_error name_err(std::string_view s) {
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
    CHECK(name_err("ab") == name_error::too_short);
    CHECK(name_err("") == name_error::too_short);
    CHECK(name_err(std::string(33, 'a')) == name_error::too_long);
    CHECK(name_err("al ice") == name_error::bad_character);
    CHECK(name_err("alice'--") == name_error::bad_character);
    CHECK(name_err("al\xc3\xaf" "ce") == name_error::bad_character);  // non-ASCII
    CHECK(name_err(std::string("ali\0ce", 6)) == name_error::bad_character);
    CHECK(name_err("-alice") == name_error::bad_first_character);
    CHECK(name_err(".alice") == name_error::bad_first_character);
    CHECK(name_err("_alice") == name_error::bad_first_character);
    CHECK(describe(name_error::too_short) == "an account name is 3 to 32 characters");
    CHECK(describe(name_error::bad_character).find("a-z") != std::string::npos);
    CHECK(describe(name_error::bad_first_character).find("start") != std::string::npos);
}

TEST_CASE("passwords: 8..1024 bytes of valid UTF-8") {
    CHECK_FALSE(check_password("12345678"));
    CHECK_FALSE(check_password("p\xc3\xa4sswort!"));           // ä
    CHECK_FALSE(check_password("\xf0\x9f\x94\x91\xf0\x9f\x94\x91"));  // two 4-byte emoji
    CHECK_FALSE(check_password(std::string(1024, 'x')));
    CHECK(check_password("1234567") == password_error::too_short);
    CHECK(check_password(std::string(1025, 'x')) == password_error::too_long);
    CHECK(check_password("abcdefg\xff") == password_error::invalid_utf8);
    CHECK(check_password("abcdefg\xc3") == password_error::invalid_utf8);           // truncated
    CHECK(check_password("abcdefg\xc0\xaf") == password_error::invalid_utf8);       // overlong '/'
    CHECK(check_password("abcdefg\xe0\x80\xaf") == password_error::invalid_utf8);   // overlong
    CHECK(check_password("abcdefg\xed\xa0\x80") == password_error::invalid_utf8);   // surrogate
    CHECK(check_password("abcdefg\xf4\x90\x80\x80") == password_error::invalid_utf8);  // > U+10FFFF
    CHECK(check_password("abcdefg\x80") == password_error::invalid_utf8);           // lone continuation
    CHECK(describe(password_error::too_short) == "a password is at least 8 bytes");
    CHECK(describe(password_error::too_long) == "a password is at most 1024 bytes");
    CHECK(describe(password_error::invalid_utf8) == "a password must be valid UTF-8");
}
