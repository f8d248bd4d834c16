#pragma once
// Secret bytes that wipe themselves. Keys, link secrets and passwords live in these;
// they are never copied implicitly and never printed.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gs::crypto {

class SecretBuffer {
 public:
  SecretBuffer() = default;
  // `size` zeroed bytes.
  explicit SecretBuffer(std::size_t size);
  // A copy of `bytes`; wiping the source stays the caller's job.
  explicit SecretBuffer(std::span<const std::uint8_t> bytes);
  ~SecretBuffer();

  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;

  // `size` fresh random bytes from the operating system's generator.
  static SecretBuffer random(std::size_t size);
  // An explicit copy, for the rare place that needs two owners.
  SecretBuffer clone() const;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<std::uint8_t> bytes() { return {data_, size_}; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

  // Constant-time comparison of contents (sizes are not secret).
  bool equals(std::span<const std::uint8_t> other) const;

  // Wipes and frees now rather than at destruction.
  void wipe();

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Overwrites a string's whole buffer with zeros and empties it (a password that
// arrived in a message). The whole capacity, not only size(): a string moved from
// keeps its old bytes in its own inline buffer while reporting itself empty.
void wipe(std::string& text);
// The same for a byte buffer, such as an encoded message that carried a password.
void wipe(std::vector<std::byte>& bytes);

// Smallest and largest secret a secret file may hold, in bytes.
inline constexpr std::size_t secret_file_min_bytes = 32;
inline constexpr std::size_t secret_file_max_bytes = 4096;

// Reads a shared secret (for example a role-link secret) from `path`.
// The secret is the file's bytes with trailing whitespace (spaces, tabs, CR, LF)
// removed, so `openssl rand -base64 32 > FILE` and `gameserver keygen` output both work.
// Rules, each failing with a message naming the file:
//  - a regular file (symbolic links to one are followed);
//  - no permission bits for group or others (mode & 077 == 0), like ssh private keys:
//    a secret anyone else on the host can read is no secret;
//  - secret_file_min_bytes..secret_file_max_bytes after trimming.
// Throws std::runtime_error; meant for start-up and the command line.
SecretBuffer read_secret_file(const std::filesystem::path& path);

// Writes `secret` to `path` with mode 0600. Refuses to replace an existing file unless
// `overwrite`; the replacement is atomic (written beside, then renamed). Write text
// (keygen writes base64url and a newline): read_secret_file trims trailing whitespace,
// so raw bytes ending in one would not read back whole.
// Throws std::runtime_error.
void write_secret_file(const std::filesystem::path& path, std::span<const std::uint8_t> secret,
                       bool overwrite);

}  // namespace gs::crypto
