#pragma once
// Argon2id password hashes in the PHC string format ("$argon2id$v=19$m=...,t=...,p=1$..."),
// via libsodium's crypto_pwhash_str family. Each hash carries its own salt and
// parameters, so parameters can change over time: needs_rehash says when a stored hash
// was made with other ones, and the auth role rehashes at the next successful login.
//
// Hashing and verifying are CPU- and memory-heavy by design (tens of milliseconds,
// mem_limit bytes each): run them on worker threads, never on an event loop. Every
// function here is thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gs::store {

struct PwhashParams {
  // Argon2id passes over memory ("t"). Minimum 1.
  std::uint64_t ops_limit = 2;
  // Argon2id memory in bytes ("m"). Minimum 8 KiB (crypto_pwhash_MEMLIMIT_MIN).
  // The default, 2 passes over 19 MiB with 1 lane (libsodium's Argon2id always uses one),
  // is OWASP's Password Storage Cheat Sheet baseline: m=19456 KiB, t=2, p=1.
  std::size_t mem_limit = 19u * 1024u * 1024u;
};

// Smallest parameters libsodium accepts for Argon2id (for tests; far too weak to deploy).
PwhashParams pwhash_params_minimum();

// Empty string when `params` are within libsodium's limits, else what is wrong.
std::string validate(const PwhashParams& params);

// A new hash of `password` with a random salt; nullopt only when memory runs out or the
// parameters are invalid.
std::optional<std::string> hash_password(std::string_view password, const PwhashParams& params);

// True when `password` matches `hash`. A malformed hash string is a mismatch.
bool verify_password(std::string_view hash, std::string_view password);

// True when `hash` was not made with exactly `params` (or is not an Argon2id hash).
bool needs_rehash(std::string_view hash, const PwhashParams& params);

// Checks passwords with one parameter set, and spends the same work on names that do not
// exist, so the answer time does not tell whether an account exists.
class PasswordHasher {
 public:
  // Computes the dummy hash once (one hash at `params`). Throws std::invalid_argument
  // for parameters libsodium refuses.
  explicit PasswordHasher(PwhashParams params);

  const PwhashParams& params() const { return params_; }

  std::optional<std::string> hash(std::string_view password) const {
    return hash_password(password, params_);
  }
  bool needs_rehash(std::string_view stored) const { return store::needs_rehash(stored, params_); }

  // Verifies against `stored` when there is an account, else against the dummy hash
  // (always false, same cost). Use this on the login path for both cases.
  bool verify(const std::string* stored, std::string_view password) const;
  bool verify(std::string_view stored, std::string_view password) const {
    return verify_password(stored, password);
  }

 private:
  PwhashParams params_;
  std::string dummy_hash_;
};

}  // namespace gs::store
