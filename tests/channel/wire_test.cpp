// Wire primitives and configuration limits.
#include <doctest/doctest.h>

#include "channel/config.hpp"
#include "channel/wire.hpp"

using namespace gs::channel;

TEST_CASE("writer and reader round-trip little-endian integers and varints") {
    std::byte buf[64];
    wire::Writer w(buf, sizeof buf);
    w.u8(0xab);
    w.u16(0x1234);
    w.u32(0xdeadbeef);
    w.u64(0x0102030405060708ull);
    w.varint(0);
    w.varint(127);
    w.varint(128);
    w.varint(16383);
    w.varint(16384);
    CHECK(w.size() == 1 + 2 + 4 + 8 + 1 + 1 + 2 + 2 + 3);
    CHECK(buf[1] == std::byte{0x34});
    CHECK(buf[2] == std::byte{0x12});
    CHECK(buf[3] == std::byte{0xef});

    wire::Reader r({buf, w.size()});
    std::uint8_t a;
    std::uint16_t b;
    std::uint32_t c, v0, v1, v2, v3, v4;
    std::uint64_t d;
    REQUIRE(r.u8(a));
    REQUIRE(r.u16(b));
    REQUIRE(r.u32(c));
    REQUIRE(r.u64(d));
    REQUIRE(r.varint(v0));
    REQUIRE(r.varint(v1));
    REQUIRE(r.varint(v2));
    REQUIRE(r.varint(v3));
    REQUIRE(r.varint(v4));
    CHECK(a == 0xab);
    CHECK(b == 0x1234);
    CHECK(c == 0xdeadbeef);
    CHECK(d == 0x0102030405060708ull);
    CHECK(v0 == 0);
    CHECK(v1 == 127);
    CHECK(v2 == 128);
    CHECK(v3 == 16383);
    CHECK(v4 == 16384);
    CHECK(r.empty());
    CHECK_FALSE(r.u8(a));
}

TEST_CASE("reader refuses to read past the end") {
    std::byte buf[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
    wire::Reader r({buf, 3});
    std::uint32_t v;
    CHECK_FALSE(r.u32(v));
    std::span<const std::byte> s;
    CHECK_FALSE(r.bytes(4, s));
    CHECK(r.bytes(3, s));
    CHECK(s.size() == 3);
}

TEST_CASE("varint rejects overlong and unterminated encodings") {
    std::byte overlong[2] = {std::byte{0x80}, std::byte{0x00}};
    std::uint32_t v;
    CHECK_FALSE(wire::Reader({overlong, 2}).varint(v));
    std::byte unterminated[3] = {std::byte{0xff}, std::byte{0xff}, std::byte{0xff}};
    CHECK_FALSE(wire::Reader({unterminated, 3}).varint(v));
    std::byte truncated[1] = {std::byte{0x80}};
    CHECK_FALSE(wire::Reader({truncated, 1}).varint(v));
}

TEST_CASE("sequence expansion handles 32-bit wrap-around") {
    CHECK(wire::expand(0, 0) == 0);
    CHECK(wire::expand(0, 5) == 5);
    CHECK(wire::expand(0xfffffff0ull, 0x00000005u) == 0x100000005ull);
    CHECK(wire::expand(0x100000005ull, 0xfffffff0u) == 0xfffffff0ull);
    CHECK(wire::expand(10, 0xfffffff0u) == 0xfffffff0ull);  // never below zero
    CHECK(wire::expand(0x300000000ull, 0x7fffffffu) == 0x37fffffffull);
}

TEST_CASE("frame sizes leave room for a full fragment and message in one datagram") {
    for (std::size_t d : {std::size_t{256}, std::size_t{1200}, std::size_t{1359}}) {
        CHECK(wire::kPacketOverhead + wire::kFragmentHeaderSize + wire::chunk_size(d) <= d);
        CHECK(wire::kPacketOverhead + wire::kMessagesHeaderSize + 2 + wire::max_unfragmented(d) <= d);
        CHECK(wire::chunk_size(d) >= wire::kMinChunk);
    }
}

TEST_CASE("default configuration is valid and every knob range is enforced") {
    ChannelConfig c;
    CHECK(validate(c).empty());
    CHECK(c.max_datagram == 1200);
    CHECK(c.timeout == std::chrono::seconds(10));

    auto bad = c;
    bad.max_datagram = 1360;
    CHECK(validate(bad).find("max_datagram") != std::string::npos);
    bad = c;
    bad.max_datagram = 255;
    CHECK_FALSE(validate(bad).empty());
    bad = c;
    bad.lanes.assign(17, LaneConfig{});
    CHECK(validate(bad).find("lanes") != std::string::npos);
    bad = c;
    bad.lanes.clear();
    CHECK_FALSE(validate(bad).empty());
    bad = c;
    bad.lanes[1].priority = 8;
    CHECK(validate(bad).find("lanes[1].priority") != std::string::npos);
    bad = c;
    bad.lanes[0].weight = 0;
    CHECK_FALSE(validate(bad).empty());
    bad = c;
    bad.reassembly_cap = c.max_message - 1;
    CHECK(validate(bad).find("reassembly_cap") != std::string::npos);
    bad = c;
    bad.timeout = std::chrono::milliseconds(50);
    CHECK(validate(bad).find("timeout") != std::string::npos);
    bad = c;
    bad.keepalive_interval = c.timeout;
    CHECK_FALSE(validate(bad).empty());
    CHECK(knobs::max_datagram.max == 1359);
    CHECK(knobs::max_message.def == 1u << 20);
}
