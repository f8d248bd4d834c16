#pragma once
// Ed25519 key pairs (libsodium) and their standard PEM forms (RFC 8410):
//   private key: PKCS#8 PrivateKeyInfo,      PEM label "PRIVATE KEY"
//   public key:  SubjectPublicKeyInfo (SPKI), "-----BEGIN PUBLIC KEY-----"
// the same files `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` make.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secret.hpp"

namespace gs::crypto {

inline constexpr std::size_t ed25519_public_key_bytes = 32;
inline constexpr std::size_t ed25519_seed_bytes = 32;
inline constexpr std::size_t ed25519_signature_bytes = 64;

using Ed25519PublicKey = std::array<std::uint8_t, ed25519_public_key_bytes>;
using Ed25519Signature = std::array<std::uint8_t, ed25519_signature_bytes>;

class Ed25519PrivateKey {
 public:
  // A fresh random key.
  static Ed25519PrivateKey generate();
  // The key of a 32-byte seed (the "d" of a JWK, the octets inside PKCS#8).
  static Ed25519PrivateKey from_seed(std::span<const std::uint8_t> seed);

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed; secret.
  std::span<const std::uint8_t> seed() const;

  // Ed25519 is deterministic: the same key and message always give the same signature.
  Ed25519Signature sign(std::span<const std::uint8_t> message) const;

 private:
  Ed25519PrivateKey() = default;
  SecretBuffer expanded_;  // libsodium's 64-byte form: seed || public key
  Ed25519PublicKey public_key_{};
};

bool ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature);

// PEM text, 64-character lines, trailing newline.
std::string private_key_to_pem(const Ed25519PrivateKey& key);
std::string public_key_to_pem(const Ed25519PublicKey& key);

// Parsing; nullopt when the text is not a single Ed25519 key of that kind in the RFC 8410
// layout (other algorithms, encrypted keys and PKCS#8 v2 with attributes are refused).
std::optional<Ed25519PrivateKey> private_key_from_pem(std::string_view pem);
std::optional<Ed25519PublicKey> public_key_from_pem(std::string_view pem);

// Files. The private key is written 0600, the public key 0644; neither replaces an
// existing file unless `overwrite`. Reading a private key refuses a file readable by
// group or others. All throw std::runtime_error naming the file.
void write_private_key_file(const std::filesystem::path& path, const Ed25519PrivateKey& key, bool overwrite);
void write_public_key_file(const std::filesystem::path& path, const Ed25519PublicKey& key, bool overwrite);
Ed25519PrivateKey read_private_key_file(const std::filesystem::path& path);
Ed25519PublicKey read_public_key_file(const std::filesystem::path& path);

}  // namespace gs::crypto
