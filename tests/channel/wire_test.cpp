// Wire primitives, configuration limits, and the documented layout of every frame.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "channel/config.hpp"
#include "channel/wire.hpp"
#include "helpers.hpp"

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
  for (std::size_t d : {std::size_t{256}, std::size_t{1200}, std::size_t{1351}}) {
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
  CHECK(knobs::max_datagram.max == 1351);
  int count = 0;
  knobs::for_each([&](const auto& k) {
    CHECK(!k.name.empty());
    CHECK(k.contains(k.def));
    CHECK(!(k.max < k.min));
    ++count;
  });
  CHECK(count == 12);
  CHECK(knobs::max_message.def == 1u << 20);
}

// ---------------------------------------------------------------------------------
// The bytes a channel emits match docs/PROTOCOL.md, part "Channel".

namespace {

using namespace gs::channel::test;

std::vector<std::byte> packet(std::uint32_t pn, std::vector<std::byte> body) {
  std::vector<std::byte> out(wire::kHeaderSize + body.size());
  wire::Writer w(out.data(), out.size());
  w.u8(wire::kHeaderByte);
  w.u32(pn);
  w.bytes(body);
  return out;
}

// Feeds `pns` to a fresh channel as PING packets; the ACK frame of its next datagram,
// which must hold nothing after it.
template <typename PacketNumbers>
wire::AckFrame ack_after(const PacketNumbers& pns) {
  Recorder r;
  ChannelConfig c;
  Channel ch(c, kEpoch, r);
  for (auto pn : pns) ch.receive(packet(static_cast<std::uint32_t>(pn), bytes_of({0x02})), kEpoch);
  auto d = ch.next_datagram(kEpoch);
  REQUIRE(!d.empty());
  wire::Reader rd(d.subspan(5));
  std::uint8_t type;
  REQUIRE(rd.u8(type));
  REQUIRE(type == 0x01);
  wire::AckFrame a;
  REQUIRE(wire::read_ack(rd, a));
  CHECK(rd.empty());
  return a;
}

}  // namespace

TEST_CASE("wire: a MESSAGES frame is laid out as documented") {
  Recorder r;
  ChannelConfig c;
  c.first_sequence = 0x01020304;
  Channel ch(c, kEpoch, r);
  REQUIRE(ch.send(2, bytes_of({0xaa, 0xbb}), kEpoch) == SendResult::ok);
  REQUIRE(ch.send(2, std::vector<std::byte>(200, std::byte{0xcc}), kEpoch) == SendResult::ok);
  auto d = ch.next_datagram(kEpoch);
  REQUIRE(d.size() == 5 + 7 + 1 + 2 + 2 + 200);
  const std::vector<std::byte> head(d.begin(), d.begin() + 17);
  CHECK(head == bytes_of({0x10, 0x04, 0x03, 0x02, 0x01,        // header, packet number
                          0x10, 2, 0x04, 0x03, 0x02, 0x01, 2,  // MESSAGES lane 2, first id, count 2
                          2, 0xaa, 0xbb,                       // length 2, bytes
                          0xc8, 0x01}));                       // varint 200
}

TEST_CASE("wire: FRAGMENT frames split a message into documented chunks") {
  Recorder r;
  ChannelConfig c;
  Channel ch(c, kEpoch, r);
  const std::size_t size = 3000;
  REQUIRE(ch.send(0, make_payload(1, size), kEpoch) == SendResult::ok);
  const std::size_t chunk = c.max_datagram - 70;
  std::size_t parts = 0, bytes = 0;
  for (auto d = ch.next_datagram(kEpoch); !d.empty(); d = ch.next_datagram(kEpoch), ++parts) {
    wire::Reader rd(d.subspan(5));
    std::uint8_t type, lane;
    std::uint32_t id, total, index;
    std::uint16_t ch_size;
    REQUIRE(rd.u8(type));
    CHECK(type == 0x11);
    REQUIRE((rd.u8(lane) && rd.u32(id) && rd.u32(total) && rd.u16(ch_size) && rd.u32(index)));
    CHECK(lane == 0);
    CHECK(id == 0);
    CHECK(total == size);
    CHECK(ch_size == chunk);
    CHECK(index == parts);
    CHECK(rd.remaining() == std::min(chunk, size - index * chunk));
    bytes += rd.remaining();
  }
  CHECK(parts == (size + chunk - 1) / chunk);
  CHECK(bytes == size);
}

TEST_CASE("wire: an ACK frame lists the received ranges, newest first") {
  std::vector<std::uint32_t> got;
  for (std::uint32_t pn = 0; pn <= 9; ++pn) got.push_back(pn);
  for (std::uint32_t pn = 12; pn <= 15; ++pn) got.push_back(pn);
  got.push_back(20);
  const wire::AckFrame a = ack_after(got);
  CHECK(a.largest == 20);
  CHECK(a.first_range == 0);  // 20 alone
  REQUIRE(a.range_count == 2);
  CHECK(a.gap[0] == 3);     // 16..19 missing
  CHECK(a.length[0] == 3);  // 12..15
  CHECK(a.gap[1] == 1);     // 10..11 missing
  CHECK(a.length[1] == 9);  // 0..9
}

TEST_CASE("wire: ACK ranges match the packets received, across words and the window's wrap") {
  // Runs of received and missing packets of every length, around 64-bit word edges
  // and where packet numbers wrap around the receive window's bitmap.
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    std::set<std::uint32_t> got;
    const std::uint32_t start = 3900 + seed * 13;
    for (std::uint32_t pn = 0; pn < start; ++pn) got.insert(pn);
    for (std::uint32_t pn = start; pn < start + 400;) {
      const std::uint32_t len = 1 + rng() % 90;
      const bool keep = rng() % 2 == 0;
      for (std::uint32_t k = 0; k < len; ++k, ++pn)
        if (keep) got.insert(pn);
    }
    const wire::AckFrame a = ack_after(got);
    // Expand the ranges, newest first, into the packet numbers they claim.
    std::set<std::uint64_t> claimed;
    std::uint64_t hi = a.largest, lo = hi - a.first_range;
    for (std::uint64_t pn = lo; pn <= hi; ++pn) claimed.insert(pn);
    for (std::uint8_t i = 0; i < a.range_count; ++i) {
      hi = lo - a.gap[i] - 2;
      lo = hi - a.length[i];
      for (std::uint64_t pn = lo; pn <= hi; ++pn) claimed.insert(pn);
    }
    INFO("seed " << seed);
    CHECK(a.largest == *got.rbegin());
    std::set<std::uint64_t> expected;
    for (auto pn : got)
      if (pn >= lo) expected.insert(pn);
    CHECK(claimed == expected);
    CHECK(a.range_count >= 1);
  }
}

TEST_CASE("wire: CLOSE carries the reason code, CLOSE_ACK is a bare frame") {
  Recorder r;
  ChannelConfig c;
  Channel ch(c, kEpoch, r);
  ch.close(kEpoch);
  auto d = ch.next_datagram(kEpoch);
  CHECK(std::vector<std::byte>(d.begin(), d.end()) == bytes_of({0x10, 0, 0, 0, 0, 0x03, 1}));

  Recorder r2;
  Channel peer(c, kEpoch, r2);
  peer.receive(std::vector<std::byte>(d.begin(), d.end()), kEpoch);
  auto a = peer.next_datagram(kEpoch);
  CHECK(std::vector<std::byte>(a.begin(), a.end()) == bytes_of({0x10, 0, 0, 0, 0, 0x04}));
}

TEST_CASE("wire: a keepalive is a PING frame") {
  Recorder r;
  ChannelConfig c;
  Channel ch(c, kEpoch, r);
  CHECK(ch.next_datagram(kEpoch).empty());
  CHECK(ch.next_wakeup() == kEpoch + c.keepalive_interval);
  auto d = ch.next_datagram(kEpoch + c.keepalive_interval);
  CHECK(std::vector<std::byte>(d.begin(), d.end()) == bytes_of({0x10, 0, 0, 0, 0, 0x02}));
}
