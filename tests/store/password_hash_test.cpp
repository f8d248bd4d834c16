#include <doctest/doctest.h>

#include <chrono>

#include "store/password_hash.hpp"

using namespace gs::store;

namespace {
const PwhashParams fast = pwhash_params_minimum();  // opslimit 1, memlimit 8 KiB

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

TEST_CASE("minimum parameters are libsodium's Argon2id minimum") {
  CHECK(fast.ops_limit == 1);
  CHECK(fast.mem_limit == 8192);
  CHECK(validate(fast).empty());
  CHECK_FALSE(validate({0, 8192}).empty());
  CHECK_FALSE(validate({1, 4096}).empty());
}

TEST_CASE("the default is OWASP's Argon2id baseline: t=2, m=19 MiB") {
  PwhashParams d;
  CHECK(d.ops_limit == 2);
  CHECK(d.mem_limit == 19u * 1024u * 1024u);
}

TEST_CASE("hash and verify") {
  auto h = hash_password("correct horse", fast);
  REQUIRE(h);
  CHECK(h->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0) == 0);
  CHECK(verify_password(*h, "correct horse"));
  CHECK_FALSE(verify_password(*h, "correct horsE"));
  CHECK_FALSE(verify_password(*h, ""));
  auto h2 = hash_password("correct horse", fast);
  REQUIRE(h2);
  CHECK(*h2 != *h);  // fresh salt
}

TEST_CASE("malformed hashes never verify") {
  CHECK_FALSE(verify_password("", "password1"));
  CHECK_FALSE(verify_password("$argon2id$v=19$m=8,t=1,p=1$garbage", "password1"));
  CHECK_FALSE(verify_password(std::string(200, 'a'), "password1"));
  CHECK_FALSE(verify_password(std::string("$argon2id\0$", 11), "password1"));
}

TEST_CASE("needs_rehash notices changed parameters") {
  auto h = hash_password("password1", fast);
  REQUIRE(h);
  CHECK_FALSE(needs_rehash(*h, fast));
  CHECK(needs_rehash(*h, {2, 8192}));
  CHECK(needs_rehash(*h, {1, 16384}));
  CHECK(needs_rehash("not a hash", fast));
}

TEST_CASE("password_hasher spends a verify on unknown accounts and always says no") {
  PasswordHasher hasher(fast);
  auto h = hasher.hash("password1");
  REQUIRE(h);
  CHECK(hasher.verify(&*h, "password1"));
  CHECK_FALSE(hasher.verify(&*h, "password2"));
  CHECK_FALSE(hasher.verify(nullptr, "password1"));
  CHECK_FALSE(hasher.needs_rehash(*h));
  CHECK_THROWS_AS(PasswordHasher({0, 0}), std::invalid_argument);
}

TEST_CASE("at the default parameters: hash, verify, and the dummy path cost alike") {
  PasswordHasher hasher{PwhashParams{}};
  auto start = std::chrono::steady_clock::now();
  auto h = hasher.hash("a long enough password");
  const double hash_ms = ms_since(start);
  REQUIRE(h);
  CHECK(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  start = std::chrono::steady_clock::now();
  CHECK(hasher.verify(&*h, "a long enough password"));
  const double verify_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  CHECK_FALSE(hasher.verify(nullptr, "a long enough password"));
  const double dummy_ms = ms_since(start);
  MESSAGE("Argon2id t=2 m=19MiB: hash " << hash_ms << " ms, verify " << verify_ms
                                        << " ms, unknown-account verify " << dummy_ms << " ms");
  // The same work: within a factor of three either way, generous for a loaded machine.
  CHECK(dummy_ms > verify_ms / 3);
  CHECK(dummy_ms < verify_ms * 3);
}
