#include "store/password_hash.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "crypto/secret.hpp"
#include "crypto/sodium.hpp"

namespace gs::store {

PwhashParams pwhash_params_minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

std::string validate(const PwhashParams& p) {
  if (p.ops_limit < crypto_pwhash_argon2id_OPSLIMIT_MIN || p.ops_limit > crypto_pwhash_argon2id_OPSLIMIT_MAX)
    return fmt::format("Argon2id ops limit {} is outside {}..{}", p.ops_limit,
                       crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_OPSLIMIT_MAX);
  if (p.mem_limit < crypto_pwhash_argon2id_MEMLIMIT_MIN || p.mem_limit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
    return fmt::format("Argon2id memory limit {} bytes is outside {}..{}", p.mem_limit,
                       crypto_pwhash_argon2id_MEMLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MAX);
  return {};
}

std::optional<std::string> hash_password(std::string_view password, const PwhashParams& params) {
  crypto::ensure_sodium();
  if (!validate(params).empty()) return std::nullopt;
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), params.ops_limit, params.mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return std::nullopt;
  return std::string(out.data());
}

namespace {
// libsodium reads the hash as a C string of at most crypto_pwhash_STRBYTES.
bool as_c_string(std::string_view hash, std::array<char, crypto_pwhash_STRBYTES>& buf) {
  if (hash.size() >= buf.size() || hash.find('\0') != std::string_view::npos) return false;
  buf.fill('\0');
  hash.copy(buf.data(), hash.size());
  return true;
}
}  // namespace

bool verify_password(std::string_view hash, std::string_view password) {
  crypto::ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> buf{};
  if (!as_c_string(hash, buf)) return false;
  return crypto_pwhash_str_verify(buf.data(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, const PwhashParams& params) {
  crypto::ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> buf{};
  if (!as_c_string(hash, buf)) return true;
  // Only Argon2id hashes count as current; argon2i ones are rehashed too.
  if (hash.rfind("$argon2id$", 0) != 0) return true;
  return crypto_pwhash_argon2id_str_needs_rehash(buf.data(), params.ops_limit, params.mem_limit) != 0;
}

PasswordHasher::PasswordHasher(PwhashParams params) : params_(params) {
  if (auto why = validate(params_); !why.empty()) throw std::invalid_argument(why);
  auto random = crypto::SecretBuffer::random(32);
  auto dummy =
      hash_password(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()), params_);
  if (!dummy) throw std::runtime_error("cannot compute the dummy password hash (out of memory?)");
  dummy_hash_ = std::move(*dummy);
}

bool PasswordHasher::verify(const std::string* stored, std::string_view password) const {
  if (stored == nullptr) {
    (void)verify_password(dummy_hash_, password);
    return false;
  }
  return verify_password(*stored, password);
}

}  // namespace gs::store
