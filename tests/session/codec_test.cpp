#include <doctest/doctest.h>

#include "session/codec.hpp"

using namespace gs::session;

namespace {

struct Sample {
  static constexpr std::uint8_t type = 0x42;
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint64_t d = 0;
  bool e = false;
  std::string name;
  std::vector<std::uint8_t> blob;
  std::array<std::uint8_t, 4> tag{};
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u8(m.a);
    io.u16(m.b);
    io.u32(m.c);
    io.u64(m.d);
    io.boolean(m.e);
    io.str(m.name, 8);
    io.bytes(m.blob, 3);
    io.array(m.tag);
  }
};

Sample sample() {
  return Sample{1,    0x0203,      0x04050607, 0x08090a0b0c0d0e0fULL,
                true, "h\xc3\xa9", {9, 8},     {{0xde, 0xad, 0xbe, 0xef}}};
}

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(std::byte(static_cast<std::uint8_t>(v)));
  return out;
}

}  // namespace

TEST_CASE("fields are little-endian, strings and blobs carry a u16 length") {
  auto wire = encode(sample());
  CHECK(wire ==
        bytes({0x42, 1, 0x03, 0x02, 0x07, 0x06, 0x05, 0x04, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09,
               0x08, 1, 3,    0,    'h',  0xc3, 0xa9, 2,    0,    9,    8,    0xde, 0xad, 0xbe, 0xef}));
  auto back = decode<Sample>(wire);
  REQUIRE(back);
  CHECK(back->b == 0x0203);
  CHECK(back->d == 0x08090a0b0c0d0e0fULL);
  CHECK(back->name == "h\xc3\xa9");
  CHECK(back->blob == std::vector<std::uint8_t>{9, 8});
  CHECK(back->tag == sample().tag);
}

TEST_CASE("truncated input, trailing bytes and the wrong type are refused") {
  auto wire = encode(sample());
  for (std::size_t n = 0; n < wire.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(decode<Sample>(std::span(wire).first(n)));
  }
  wire.push_back(std::byte{0});
  CHECK_FALSE(decode<Sample>(wire));
  wire.pop_back();
  wire[0] = std::byte{0x43};
  CHECK_FALSE(decode<Sample>(wire));
}

TEST_CASE("over-long fields, bad booleans and invalid UTF-8 are refused") {
  auto base = encode(sample());
  auto longer = base;
  longer[17] = std::byte{9};  // name length 9 > max 8
  CHECK_FALSE(decode<Sample>(longer));
  auto boolean = base;
  boolean[16] = std::byte{2};
  CHECK_FALSE(decode<Sample>(boolean));
  auto utf8 = base;
  utf8[21] = std::byte{0x41};  // 0xc3 followed by a non-continuation byte
  CHECK_FALSE(decode<Sample>(utf8));
}

TEST_CASE("UTF-8 validation refuses overlong forms, surrogates and truncation") {
  CHECK(valid_utf8("plain ascii"));
  CHECK(valid_utf8("\xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xe2\x82"));          // truncated
  CHECK_FALSE(valid_utf8("\xff"));
}

TEST_CASE("encoding an over-long field fails with an empty result instead of aborting") {
  auto too_long_name = sample();
  too_long_name.name = "123456789";  // max 8
  CHECK(encode(too_long_name).empty());
  auto too_long_blob = sample();
  too_long_blob.blob = {1, 2, 3, 4};  // max 3
  CHECK(encode(too_long_blob).empty());
  // Exactly at the limits encodes.
  auto at_limit = sample();
  at_limit.name = "12345678";
  at_limit.blob = {1, 2, 3};
  CHECK(decode<Sample>(encode(at_limit)));
}

TEST_CASE("encoding into a buffer answers false and leaves what the buffer held") {
  std::vector<std::byte> out{std::byte{7}};
  auto bad = sample();
  bad.name = std::string(300, 'x');
  CHECK_FALSE(encode(bad, out));
  CHECK(out == std::vector<std::byte>{std::byte{7}});
  CHECK(encode(sample(), out));
  CHECK(out.size() == 1 + encode(sample()).size());
}
