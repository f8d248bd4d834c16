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

using ed25519_public_key = std::array<std::uint8_t, ed25519_public_key_bytes>;
using ed25519_signature = std::array<std::uint8_t, ed25519_signature_bytes>;

class ed25519_private_key {
public:
    // A fresh random key.
    static ed25519_private_key generate();
    // The key of a 32-byte seed (the "d" of a JWK, the octets inside PKCS#8).
    static ed25519_private_key from_seed(std::span<const std::uint8_t> seed);

    const ed25519_public_key& public_key() const { return public_key_; }
    // The 32-byte seed; secret.
    std::span<const std::uint8_t> seed() const;

    // Ed25519 is deterministic: the same key and message always give the same signature.
    ed25519_signature sign(std::span<const std::uint8_t> message) const;

private:
    ed25519_private_key() = default;
    secret_buffer expanded_;  // libsodium's 64-byte form: seed || public key
    ed25519_public_key public_key_{};
};

bool ed25519_verify(const ed25519_public_key& key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature);

// PEM text, 64-character lines, trailing newline.
std::string private_key_to_pem(const ed25519_private_key& key);
std::string public_key_to_pem(const ed25519_public_key& key);

// Parsing; nullopt when the text is not a single Ed25519 key of that kind in the RFC 8410
// layout (other algorithms, encrypted keys and PKCS#8 v2 with attributes are refused).
std::optional<ed25519_private_key> private_key_from_pem(std::string_view pem);
std::optional<ed25519_public_key> public_key_from_pem(std::string_view pem);

// Files. The private key is written 0600, the public key 0644; neither replaces an
// existing file unless `overwrite`. Reading a private key refuses a file readable by
// group or others. All throw std::runtime_error naming the file.
void write_private_key_file(const std::filesystem::path& path, const ed25519_private_key& key,
                            bool overwrite);
void write_public_key_file(const std::filesystem::path& path, const ed25519_public_key& key,
                           bool overwrite);
ed25519_private_key read_private_key_file(const std::filesystem::path& path);
ed25519_public_key read_public_key_file(const std::filesystem::path& path);

}  // namespace gs::crypto
