#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <vector>

#include "crypto/base64.hpp"
#include "crypto/secret.hpp"
#include "tests/crypto/temp_dir.hpp"

using namespace gs::crypto;
using gs::test::temp_dir;
using gs::test::write_text;

namespace {
std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
const std::string secret_text = "0123456789abcdefghijklmnopqrstuvwxyzABCD";  // 40 bytes
}  // namespace

TEST_CASE("secret_buffer owns, moves and wipes") {
  static_assert(!std::is_copy_constructible_v<SecretBuffer>);
  static_assert(!std::is_copy_assignable_v<SecretBuffer>);
  SecretBuffer a(as_bytes("hello"));
  CHECK(a.size() == 5);
  CHECK(a.equals(as_bytes("hello")));
  CHECK_FALSE(a.equals(as_bytes("hellO")));
  CHECK_FALSE(a.equals(as_bytes("hell")));
  SecretBuffer b = std::move(a);
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is documented empty
  CHECK(b.equals(as_bytes("hello")));
  SecretBuffer c = b.clone();
  b.wipe();
  CHECK(b.empty());
  CHECK(c.equals(as_bytes("hello")));
}

TEST_CASE("secret_buffer::random gives distinct bytes") {
  auto x = SecretBuffer::random(32);
  auto y = SecretBuffer::random(32);
  CHECK(x.size() == 32);
  CHECK_FALSE(x.equals(y.bytes()));
}

TEST_CASE("read_secret_file reads an owner-only file and trims the newline") {
  temp_dir dir;
  auto path = dir / "link.secret";
  write_text(path, secret_text + "\r\n");
  ::chmod(path.c_str(), 0600);
  auto s = read_secret_file(path);
  CHECK(s.equals(as_bytes(secret_text)));
}

TEST_CASE("read_secret_file refuses group- or world-readable files") {
  temp_dir dir;
  auto path = dir / "link.secret";
  write_text(path, secret_text);
  ::chmod(path.c_str(), 0640);
  CHECK_THROWS_WITH_AS(read_secret_file(path), doctest::Contains("chmod 600"), std::runtime_error);
  ::chmod(path.c_str(), 0604);
  CHECK_THROWS_AS(read_secret_file(path), std::runtime_error);
}

TEST_CASE("read_secret_file refuses short, missing and non-regular files") {
  temp_dir dir;
  auto path = dir / "short.secret";
  write_text(path, std::string(31, 'x') + "\n\n   ");
  ::chmod(path.c_str(), 0600);
  CHECK_THROWS_WITH_AS(read_secret_file(path), doctest::Contains("at least 32"), std::runtime_error);
  CHECK_THROWS_WITH_AS(read_secret_file(dir / "missing"), doctest::Contains("cannot open"),
                       std::runtime_error);
  ::chmod(dir.path().c_str(), 0700);
  CHECK_THROWS_WITH_AS(read_secret_file(dir.path()), doctest::Contains("not a regular file"),
                       std::runtime_error);
  auto big = dir / "big.secret";
  write_text(big, std::string(secret_file_max_bytes + 1, 'x'));
  ::chmod(big.c_str(), 0600);
  CHECK_THROWS_AS(read_secret_file(big), std::runtime_error);
}

TEST_CASE("write_secret_file writes 0600 and refuses to overwrite unless asked") {
  temp_dir dir;
  auto path = dir / "new.secret";
  // Text, as keygen writes it: raw random bytes may end in a byte the reader trims.
  auto text_secret = [](std::size_t size) {
    auto raw = SecretBuffer::random(size);
    auto text = base64url_encode(raw.bytes());
    return SecretBuffer(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  };
  auto s = text_secret(32);
  write_secret_file(path, s.bytes(), false);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_secret_file(path).equals(s.bytes()));

  auto other = text_secret(40);
  CHECK_THROWS_WITH_AS(write_secret_file(path, other.bytes(), false), doctest::Contains("already exists"),
                       std::runtime_error);
  CHECK(read_secret_file(path).equals(s.bytes()));
  write_secret_file(path, other.bytes(), true);
  CHECK(read_secret_file(path).equals(other.bytes()));
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("wipe zeroes and empties a string") {
  std::string password = "correct horse battery staple";
  const char* data = password.data();
  const std::size_t n = password.size();
  wipe(password);
  CHECK(password.empty());
  // Same buffer (clear keeps the capacity): every byte that held the password is zero.
  REQUIRE(password.data() == data);
  for (std::size_t i = 0; i < n; ++i) CHECK(data[i] == '\0');
}

TEST_CASE("wipe zeroes a moved-from short string, whose own buffer still holds the password") {
  // A short string lives inside the object; moving it copies the bytes and leaves the
  // source empty but its buffer unchanged, so wiping only size() bytes wiped nothing.
  std::string password = "hunter2";
  const char* inline_bytes = password.data();
  std::string moved = std::move(password);
  wipe(password);
  wipe(moved);
  REQUIRE(password.data() == inline_bytes);
  for (std::size_t i = 0; i < 7; ++i) CHECK(inline_bytes[i] == '\0');
}

TEST_CASE("wipe zeroes a byte buffer's whole capacity and empties it") {
  std::vector<std::byte> encoded(40, std::byte{0x5a});
  encoded.resize(10);  // bytes past the size, still in the buffer, held the secret too
  const std::byte* data = encoded.data();
  wipe(encoded);
  CHECK(encoded.empty());
  REQUIRE(encoded.data() == data);
  for (std::size_t i = 0; i < 40; ++i) CHECK(data[i] == std::byte{0});
}
