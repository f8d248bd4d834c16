#include "crypto/ed25519.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "crypto/base64.hpp"
#include "crypto/key_files.hpp"
#include "crypto/sodium.hpp"

namespace gs::crypto {
namespace {

// RFC 8410 section 7 and 10.3: fixed DER prefixes before the 32 key octets.
// PrivateKeyInfo { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING } }
constexpr std::array<std::uint8_t, 16> pkcs8_prefix = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                                       0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
// SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 }, BIT STRING (0 unused bits) }
constexpr std::array<std::uint8_t, 12> spki_prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                      0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

constexpr std::string_view private_label = "PRIVATE KEY";
constexpr std::string_view public_label = "PUBLIC KEY";

std::string to_pem(std::string_view label, std::span<const std::uint8_t> der) {
  std::string b64 = base64_encode(der);
  std::string out = fmt::format("-----BEGIN {}-----\n", label);
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out.push_back('\n');
  }
  out += fmt::format("-----END {}-----\n", label);
  sodium_memzero(b64.data(), b64.size());
  return out;
}

// The DER body between the BEGIN and END lines of exactly one block with `label`.
std::optional<SecretBuffer> from_pem(std::string_view pem, std::string_view label) {
  const std::string begin = fmt::format("-----BEGIN {}-----", label);
  const std::string end = fmt::format("-----END {}-----", label);
  std::size_t b = pem.find(begin);
  if (b == std::string_view::npos) return std::nullopt;
  // Text before the block is allowed (RFC 7468 explanatory text), a second block is not.
  std::size_t body = b + begin.size();
  std::size_t e = pem.find(end, body);
  if (e == std::string_view::npos) return std::nullopt;
  if (pem.find("-----BEGIN", e) != std::string_view::npos) return std::nullopt;
  std::string_view text = pem.substr(body, e - body);
  if (text.find(':') != std::string_view::npos) return std::nullopt;  // encrypted-PEM headers
  auto der = base64_decode(text);
  if (!der) return std::nullopt;
  SecretBuffer out(*der);
  sodium_memzero(der->data(), der->size());
  return out;
}

}  // namespace

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  ensure_sodium();
  SecretBuffer seed = SecretBuffer::random(ed25519_seed_bytes);
  return from_seed(seed.bytes());
}

Ed25519PrivateKey Ed25519PrivateKey::from_seed(std::span<const std::uint8_t> seed) {
  ensure_sodium();
  if (seed.size() != ed25519_seed_bytes) throw std::invalid_argument("an Ed25519 seed is 32 bytes");
  Ed25519PrivateKey key;
  key.expanded_ = SecretBuffer(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(key.public_key_.data(), key.expanded_.data(), seed.data());
  return key;
}

std::span<const std::uint8_t> Ed25519PrivateKey::seed() const {
  return expanded_.bytes().first(ed25519_seed_bytes);
}

Ed25519Signature Ed25519PrivateKey::sign(std::span<const std::uint8_t> message) const {
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), expanded_.data());
  return sig;
}

bool ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature) {
  ensure_sodium();
  if (signature.size() != ed25519_signature_bytes) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

std::string private_key_to_pem(const Ed25519PrivateKey& key) {
  SecretBuffer der(pkcs8_prefix.size() + ed25519_seed_bytes);
  std::memcpy(der.data(), pkcs8_prefix.data(), pkcs8_prefix.size());
  std::memcpy(der.data() + pkcs8_prefix.size(), key.seed().data(), ed25519_seed_bytes);
  return to_pem(private_label, der.bytes());
}

std::string public_key_to_pem(const Ed25519PublicKey& key) {
  std::array<std::uint8_t, spki_prefix.size() + ed25519_public_key_bytes> der{};
  std::copy(spki_prefix.begin(), spki_prefix.end(), der.begin());
  std::copy(key.begin(), key.end(), der.begin() + spki_prefix.size());
  return to_pem(public_label, der);
}

std::optional<Ed25519PrivateKey> private_key_from_pem(std::string_view pem) {
  auto der = from_pem(pem, private_label);
  if (!der || der->size() != pkcs8_prefix.size() + ed25519_seed_bytes) return std::nullopt;
  if (!std::equal(pkcs8_prefix.begin(), pkcs8_prefix.end(), der->data())) return std::nullopt;
  return Ed25519PrivateKey::from_seed(der->bytes().subspan(pkcs8_prefix.size()));
}

std::optional<Ed25519PublicKey> public_key_from_pem(std::string_view pem) {
  auto der = from_pem(pem, public_label);
  if (!der || der->size() != spki_prefix.size() + ed25519_public_key_bytes) return std::nullopt;
  if (!std::equal(spki_prefix.begin(), spki_prefix.end(), der->data())) return std::nullopt;
  Ed25519PublicKey key{};
  std::memcpy(key.data(), der->data() + spki_prefix.size(), key.size());
  return key;
}

void write_private_key_file(const std::filesystem::path& path, const Ed25519PrivateKey& key, bool overwrite) {
  std::string pem = private_key_to_pem(key);
  try {
    write_key_file(
        path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()),
        0600, overwrite);
  } catch (...) {
    sodium_memzero(pem.data(), pem.size());
    throw;
  }
  sodium_memzero(pem.data(), pem.size());
}

void write_public_key_file(const std::filesystem::path& path, const Ed25519PublicKey& key, bool overwrite) {
  std::string pem = public_key_to_pem(key);
  write_key_file(path,
                 std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()),
                 0644, overwrite);
}

Ed25519PrivateKey read_private_key_file(const std::filesystem::path& path) {
  SecretBuffer text = read_key_file(path, 16 * 1024, FileAccess::owner_only);
  auto key = private_key_from_pem(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
  if (!key)
    throw std::runtime_error(fmt::format(
        "{} is not an Ed25519 private key in PEM (PKCS#8, \"BEGIN PRIVATE KEY\")", path.string()));
  return std::move(*key);
}

Ed25519PublicKey read_public_key_file(const std::filesystem::path& path) {
  SecretBuffer text = read_key_file(path, 16 * 1024, FileAccess::any);
  auto key = public_key_from_pem(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
  if (!key)
    throw std::runtime_error(
        fmt::format("{} is not an Ed25519 public key in PEM (SPKI, \"BEGIN PUBLIC KEY\")", path.string()));
  return *key;
}

}  // namespace gs::crypto
