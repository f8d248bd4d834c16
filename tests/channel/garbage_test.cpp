// Any byte sequence is safe: malformed, mutated and out-of-window input is dropped and
// counted, never a crash, an assert or unbounded memory.
#include <doctest/doctest.h>

#include "helpers.hpp"

using namespace gs;
using namespace gs::channel;
using namespace gs::channel::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::byte> with_header(std::uint32_t pn, std::vector<std::byte> body) {
  std::vector<std::byte> out(wire::kHeaderSize + body.size());
  wire::Writer w(out.data(), out.size());
  w.u8(wire::kHeaderByte);
  w.u32(pn);
  w.bytes(body);
  return out;
}

std::vector<std::byte> random_bytes(sim::Rng& rng, std::size_t n) {
  std::vector<std::byte> v(n);
  for (auto& b : v) b = std::byte(rng.next() & 0xff);
  return v;
}

void check_sane(const Channel& ch) {
  const auto s = ch.stats();
  CHECK(s.rx_buffered_bytes <= ch.config().reassembly_cap);
  if (ch.state() != State::open) {
    const auto r = ch.close_reason();
    // A random CLOSE frame may carry any code: the peer's reason, in the remote range.
    CHECK((r == EndCode::protocol_error || r == EndCode::overflow || range_of(r) == EndRange::remote));
  }
}

}  // namespace

TEST_CASE("random datagrams are dropped and counted") {
  Recorder r;
  ChannelConfig c;
  Channel ch(c, kEpoch, r);
  sim::Rng rng(99);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    auto d = random_bytes(rng, rng.next() % 1500);
    ch.receive(d, kEpoch + std::chrono::microseconds(i));
    ch.poll(kEpoch + std::chrono::microseconds(i), [](auto) {});
  }
  const auto s = ch.stats();
  CHECK(s.dropped_short + s.dropped_header + s.dropped_malformed + s.dropped_duplicate + s.dropped_too_old +
            s.packets_received ==
        std::uint64_t(n));
  CHECK(s.dropped_header > n * 9 / 10);
  check_sane(ch);
}

TEST_CASE("random frames behind a valid header never crash and never exceed the caps") {
  sim::Rng rng(2024);
  int closed = 0;
  for (int round = 0; round < 300; ++round) {
    Recorder r;
    ChannelConfig c;
    c.reassembly_cap = c.max_message;  // tight, so overflow is reachable
    Channel ch(c, kEpoch, r);
    for (int i = 0; i < 200 && ch.state() == State::open; ++i) {
      auto body = random_bytes(rng, rng.next() % 1300);
      if (!body.empty()) {
        // Bias towards real frame types so parsing goes deep.
        const std::uint8_t types[] = {0x01, 0x02, 0x03, 0x04, 0x10, 0x11};
        body[0] = std::byte(types[rng.next() % 6]);
        if (body.size() > 1) body[1] = std::byte(rng.next() % 6);
      }
      ch.receive(with_header(std::uint32_t(rng.next() % 64), body), kEpoch + std::chrono::milliseconds(i));
      ch.poll(kEpoch + std::chrono::milliseconds(i), [](auto) {});
      check_sane(ch);
    }
    closed += ch.state() != State::open;
  }
  MESSAGE(closed, " of 300 channels closed by their garbage");
}

TEST_CASE("mutated real datagrams never crash the receiver") {
  // Record a real exchange with fragments, acks and every lane kind.
  struct Tap : Recorder {};
  Recorder ra, rb;
  ChannelConfig c;
  sim::Pair pair(c, c, {}, {}, 5, ra, rb, kEpoch);
  std::vector<std::vector<std::byte>> captured;
  for (int i = 0; i < 40; ++i) {
    REQUIRE(pair.a().send(i % 4, make_payload(i, i % 5 == 0 ? 5000 : 80), pair.now()) == SendResult::ok);
    pair.a().poll(pair.now(), [&](auto d) {
      captured.emplace_back(d.begin(), d.end());
      pair.b().receive(d, pair.now());
    });
    pair.b().poll(pair.now(), [&](auto d) {
      captured.emplace_back(d.begin(), d.end());
      pair.a().receive(d, pair.now());
    });
  }
  REQUIRE(captured.size() > 20);
  sim::Rng rng(77);
  for (int round = 0; round < 2000; ++round) {
    Recorder r;
    Channel ch(c, kEpoch, r);
    for (int k = 0; k < 10; ++k) {
      auto d = captured[rng.next() % captured.size()];
      switch (rng.next() % 4) {
        case 0:  // flip bits
          for (int f = 0; f < 3; ++f) d[rng.next() % d.size()] ^= std::byte(1u << (rng.next() % 8));
          break;
        case 1:  // truncate
          d.resize(rng.next() % d.size());
          break;
        case 2:  // append junk
          for (int f = 0; f < 20; ++f) d.push_back(std::byte(rng.next() & 0xff));
          break;
        default:  // overwrite a byte after the header
          if (d.size() > 6) d[5 + rng.next() % (d.size() - 5)] = std::byte(rng.next() & 0xff);
      }
      if (!d.empty()) d[0] = std::byte(wire::kHeaderByte);
      ch.receive(d, kEpoch);
      ch.poll(kEpoch, [](auto) {});
      check_sane(ch);
    }
  }
}

TEST_CASE("garbage between real packets does not disturb delivery") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 10ms;
  sim::Pair pair(c, c, l, l, 5, ra, rb, kEpoch);
  sim::Rng rng(3);
  for (int i = 0; i < 200; ++i) REQUIRE(pair.a().send(0, make_payload(i, 300), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until(
      [&] {
        auto g = random_bytes(rng, 1 + rng.next() % 200);
        g[0] = std::byte(0xff);  // never a valid header
        pair.b().receive(g, pair.now());
        return rb.messages.size() == 200;
      },
      10s));
  for (int i = 0; i < 200; ++i) CHECK(check_payload(rb.messages[i].bytes) == std::uint64_t(i));
  CHECK(pair.b().stats().dropped_header > 0);
  CHECK(pair.b().state() == State::open);
}

TEST_CASE("each drop reason has its counter") {
  Recorder r;
  ChannelConfig c;
  Channel ch(c, kEpoch, r);
  auto ping = bytes_of({int(wire::FrameType::ping)});

  ch.receive(bytes_of({0x10, 0, 0}), kEpoch);
  CHECK(ch.stats().dropped_short == 1);

  auto bad_version = with_header(0, ping);
  bad_version[0] = std::byte{0x20};
  ch.receive(bad_version, kEpoch);
  auto bad_flags = with_header(0, ping);
  bad_flags[0] = std::byte{0x11};
  ch.receive(bad_flags, kEpoch);
  CHECK(ch.stats().dropped_header == 2);

  std::uint64_t malformed = 0;
  auto expect_malformed = [&](std::vector<std::byte> body) {
    ch.receive(with_header(1, std::move(body)), kEpoch);
    CHECK(ch.stats().dropped_malformed == ++malformed);
  };
  expect_malformed({});                                           // no frames
  expect_malformed(bytes_of({0x7f}));                             // unknown frame type
  expect_malformed(bytes_of({0x01, 1, 2, 3}));                    // truncated ACK
  expect_malformed(bytes_of({0x03}));                             // CLOSE without reason
  expect_malformed(bytes_of({0x10, 0, 0, 0, 0, 0, 0}));           // zero messages
  expect_malformed(bytes_of({0x10, 0, 0, 0, 0, 0, 1, 5, 1}));     // message longer than the frame
  expect_malformed(bytes_of({0x10, 0, 0, 0, 0, 0, 1, 0x80, 0}));  // overlong varint
  // FRAGMENT: lane 0, id 0, total 100, chunk 10 (< 64)
  expect_malformed(bytes_of({0x11, 0, 0, 0, 0, 0, 100, 0, 0, 0, 10, 0, 0, 0, 0, 0}));
  // FRAGMENT: total 100, chunk 64, index 2 (only 2 fragments)
  expect_malformed(bytes_of({0x11, 0, 0, 0, 0, 0, 100, 0, 0, 0, 64, 0, 2, 0, 0, 0}));
  // FRAGMENT: total 50, chunk 64: a single fragment is not a fragmented message
  expect_malformed(bytes_of({0x11, 0, 0, 0, 0, 0, 50, 0, 0, 0, 64, 0, 0, 0, 0, 0}));
  CHECK(ch.state() == State::open);

  ch.receive(with_header(10, ping), kEpoch);
  ch.receive(with_header(10, ping), kEpoch);
  CHECK(ch.stats().dropped_duplicate == 1);

  ch.receive(with_header(10'000, ping), kEpoch);
  ch.receive(with_header(11, ping), kEpoch);
  CHECK(ch.stats().dropped_too_old == 1);
  CHECK(ch.stats().packets_received == 2);
  CHECK(ch.state() == State::open);
  CHECK(r.messages.empty());
}
