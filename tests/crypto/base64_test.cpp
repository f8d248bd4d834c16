#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crypto/base64.hpp"

using namespace gs::crypto;

namespace {
std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("base64url encodes without padding (RFC 4648 vectors)") {
  CHECK(base64url_encode(std::string_view("")) == "");
  CHECK(base64url_encode(std::string_view("f")) == "Zg");
  CHECK(base64url_encode(std::string_view("fo")) == "Zm8");
  CHECK(base64url_encode(std::string_view("foo")) == "Zm9v");
  CHECK(base64url_encode(std::string_view("foob")) == "Zm9vYg");
  CHECK(base64url_encode(std::string_view("fooba")) == "Zm9vYmE");
  CHECK(base64url_encode(std::string_view("foobar")) == "Zm9vYmFy");
  const std::vector<std::uint8_t> high = {0xfb, 0xff, 0xfe};
  CHECK(base64url_encode(high) == "-__-");
}

TEST_CASE("base64url round-trips every length") {
  std::vector<std::uint8_t> data;
  for (int n = 0; n < 70; ++n) {
    auto decoded = base64url_decode(base64url_encode(data));
    REQUIRE(decoded);
    CHECK(*decoded == data);
    data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

TEST_CASE("base64url decoding is strict") {
  CHECK(base64url_decode("Zm9vYmFy") == bytes("foobar"));
  CHECK_FALSE(base64url_decode("Zg=="));    // padding
  CHECK_FALSE(base64url_decode("Zm9v+g"));  // standard alphabet
  CHECK_FALSE(base64url_decode("Zm9v/g"));
  CHECK_FALSE(base64url_decode("Zm9 v"));  // whitespace
  CHECK_FALSE(base64url_decode("Zm9v\n"));
  CHECK_FALSE(base64url_decode("Z"));  // impossible length
  CHECK_FALSE(base64url_decode("Zm9vY"));
  CHECK_FALSE(base64url_decode("Zh"));   // non-zero unused bits: "f" is only "Zg"
  CHECK_FALSE(base64url_decode("Zm9"));  // "fo" is "Zm8"
  CHECK_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
  CHECK(base64url_decode("")->empty());
}

TEST_CASE("base64url_decode_exact wants exactly the requested length") {
  std::array<std::uint8_t, 3> out{};
  CHECK(base64url_decode_exact("Zm9v", out));
  CHECK(out == std::array<std::uint8_t, 3>{'f', 'o', 'o'});
  CHECK_FALSE(base64url_decode_exact("Zm8", out));
  CHECK_FALSE(base64url_decode_exact("Zm9vYg", out));
}

TEST_CASE("standard base64 for PEM bodies skips line breaks") {
  CHECK(base64_encode(bytes("foobar")) == "Zm9vYmFy");
  CHECK(base64_encode(bytes("fo")) == "Zm8=");
  CHECK(base64_decode("Zm9v\nYmFy\r\n") == bytes("foobar"));
  CHECK(base64_decode("Zm8=") == bytes("fo"));
  CHECK_FALSE(base64_decode("Zm8"));  // padding required
  CHECK_FALSE(base64_decode("Zm-_"));
}
