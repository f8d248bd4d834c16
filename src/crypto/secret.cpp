#include "crypto/secret.hpp"

#include <sodium.h>

#include <fmt/format.h>
#include <cstring>
#include <new>
#include <stdexcept>

#include "crypto/key_files.hpp"
#include "crypto/sodium.hpp"

namespace gs::crypto {

SecretBuffer::SecretBuffer(std::size_t size) : size_(size) {
  if (size_ == 0) return;
  data_ = new std::uint8_t[size_]();
}

SecretBuffer::SecretBuffer(std::span<const std::uint8_t> bytes) : SecretBuffer(bytes.size()) {
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

SecretBuffer::~SecretBuffer() { wipe(); }

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

SecretBuffer SecretBuffer::random(std::size_t size) {
  ensure_sodium();
  SecretBuffer s(size);
  if (size != 0) randombytes_buf(s.data_, size);
  return s;
}

SecretBuffer SecretBuffer::clone() const { return SecretBuffer(bytes()); }

bool SecretBuffer::equals(std::span<const std::uint8_t> other) const {
  if (other.size() != size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data(), size_) == 0;
}

void SecretBuffer::wipe() {
  if (data_ != nullptr) {
    sodium_memzero(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

SecretBuffer read_secret_file(const std::filesystem::path& path) {
  SecretBuffer raw = read_key_file(path, secret_file_max_bytes + 64, FileAccess::owner_only);
  std::size_t n = raw.size();
  while (n > 0) {
    std::uint8_t c = raw.data()[n - 1];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    --n;
  }
  if (n < secret_file_min_bytes)
    throw std::runtime_error(
        fmt::format("{} holds {} bytes of secret; at least {} are required "
                    "(create one with: gameserver keygen, or openssl rand -base64 32)",
                    path.string(), n, secret_file_min_bytes));
  if (n > secret_file_max_bytes)
    throw std::runtime_error(fmt::format("{} holds {} bytes of secret; at most {} are allowed", path.string(),
                                         n, secret_file_max_bytes));
  return SecretBuffer(std::span<const std::uint8_t>(raw.data(), n));
}

void write_secret_file(const std::filesystem::path& path, std::span<const std::uint8_t> secret,
                       bool overwrite) {
  write_key_file(path, secret, 0600, overwrite);
}

void wipe(std::string& text) {
  // Growing to the capacity never reallocates, and makes every byte of the buffer
  // one we may write.
  text.resize(text.capacity());
  if (!text.empty()) sodium_memzero(text.data(), text.size());
  text.clear();
}

void wipe(std::vector<std::byte>& bytes) {
  bytes.resize(bytes.capacity());
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
  bytes.clear();
}

}  // namespace gs::crypto
