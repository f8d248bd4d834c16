// States, keepalive, timeout, close exchanges, caps and protocol errors.
#include <doctest/doctest.h>

#include "frames.hpp"
#include "helpers.hpp"

using namespace gs;
using namespace gs::channel;
using namespace gs::channel::test;
using namespace std::chrono_literals;

TEST_CASE("an idle pair stays open through keepalive pings") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 30ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  pair.run_for(60s);
  CHECK(pair.a().state() == State::open);
  CHECK(pair.b().state() == State::open);
  // About one ping per keepalive interval per side, not a flood.
  CHECK(pair.a().stats().packets_sent > 30);
  CHECK(pair.a().stats().packets_sent < 200);
  CHECK(pair.a().stats().srtt > 55ms);
}

TEST_CASE("a silent peer closes the channel with timeout after the configured time") {
  Recorder ra;
  ChannelConfig c;
  c.timeout = 3s;
  Channel ch(c, kEpoch, ra);
  REQUIRE(ch.send(0, bytes_of({1, 2, 3}), kEpoch) == SendResult::ok);
  Time now = kEpoch;
  while (now < kEpoch + 60s) {
    ch.poll(now, [](auto) {});
    if (ch.state() == State::closed) break;
    now = std::max(now + 1ms, ch.next_wakeup());
  }
  REQUIRE(ch.state() == State::closed);
  CHECK(ch.close_reason() == EndCode::timeout);
  CHECK(now - kEpoch >= 3s);
  CHECK(now - kEpoch < 3s + 100ms);
  REQUIRE(ra.closes.size() == 1);
  CHECK(ra.closes[0] == EndCode::timeout);
  CHECK(ch.next_wakeup() == Time::max());
  CHECK(ch.stats().pto_count > 0);  // it kept retransmitting until then
}

TEST_CASE("close: the local side reports local, the peer remote, both end closed") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 10ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  pair.run_for(100ms);
  pair.a().close(pair.now());
  CHECK(pair.a().state() == State::closing);
  REQUIRE(pair.run_until(
      [&] { return pair.a().state() == State::closed && pair.b().state() == State::closed; }, 5s));
  CHECK(pair.a().close_reason() == EndCode::local);
  CHECK(pair.b().close_reason() == EndCode::remote);
  CHECK(pair.b().peer_close_code() == static_cast<std::uint8_t>(CloseCode::local));
  REQUIRE(ra.closes.size() == 1);
  REQUIRE(rb.closes.size() == 1);
  CHECK(ra.states.front() == std::pair{State::open, State::closing});
  CHECK(ra.states.back() == std::pair{State::closing, State::closed});
  CHECK(rb.states.back() == std::pair{State::open, State::closed});
  CHECK(pair.a().next_wakeup() == Time::max());
}

TEST_CASE("close with an unreachable peer gives up after a few probe timeouts") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 10ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  pair.run_for(100ms);
  pair.network().link(sim::Side::a).loss = 1.0;
  const Duration rto = pair.a().stats().rto;
  pair.a().close(pair.now());
  const Time t0 = pair.now();
  REQUIRE(pair.run_until([&] { return pair.a().state() == State::closed; }, 20s));
  CHECK(pair.now() - t0 <= 8 * rto);
  CHECK(pair.now() - t0 < c.timeout);
  CHECK(pair.network().stats(sim::Side::a).lost >= 8);  // CLOSE was repeated
  CHECK(pair.a().close_reason() == EndCode::local);
}

TEST_CASE("both ends closing at once both finish with reason local") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 10ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  pair.run_for(100ms);
  pair.a().close(pair.now());
  pair.b().close(pair.now());
  REQUIRE(pair.run_until(
      [&] { return pair.a().state() == State::closed && pair.b().state() == State::closed; }, 5s));
  CHECK(pair.a().close_reason() == EndCode::local);
  CHECK(pair.b().close_reason() == EndCode::local);
}

TEST_CASE("close_after_flush delivers every queued reliable message, then closes") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 50ms;
  l.loss = 0.2;
  sim::Pair pair(c, c, l, l, 17, ra, rb, kEpoch);
  const int n = 500;
  for (int i = 0; i < n; ++i)
    REQUIRE(pair.a().send(i % 2, make_payload(i, 10 + i * 50), pair.now()) == SendResult::ok);
  pair.a().close_after_flush(pair.now());
  CHECK(pair.a().state() == State::flushing);
  CHECK(pair.a().send(0, bytes_of({1}), pair.now()) == SendResult::closed);
  REQUIRE(pair.run_until(
      [&] { return pair.a().state() == State::closed && pair.b().state() == State::closed; }, 60s));
  CHECK(rb.messages.size() == std::size_t(n));
  CHECK(pair.a().close_reason() == EndCode::local);
  CHECK(pair.b().close_reason() == EndCode::remote);
  REQUIRE(ra.states.size() == 3);
  CHECK(ra.states[0] == std::pair{State::open, State::flushing});
  CHECK(ra.states[1] == std::pair{State::flushing, State::closing});
}

TEST_CASE("close_after_flush with nothing queued closes at once") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  ch.close_after_flush(kEpoch);
  CHECK(ch.state() == State::closing);
  CHECK(!ch.next_datagram(kEpoch).empty());  // the CLOSE
}

TEST_CASE("a flushing close ends by its deadline while the peer keeps pinging and never acknowledges") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  REQUIRE(ch.send(0, bytes_of({1, 2, 3}), kEpoch) == SendResult::ok);
  ch.close_after_flush(kEpoch);
  REQUIRE(ch.state() == State::flushing);
  int close_code = -1;
  Time now = kEpoch;
  for (std::uint32_t pn = 0; now < kEpoch + 60s && ch.state() == State::flushing; ++pn) {
    now += 500ms;
    ch.receive(packet(pn, {ping_frame()}), now);  // alive, but acknowledges nothing
    ch.poll(now, [&](std::span<const std::byte> d) {
      if (d.size() == wire::kHeaderSize + 2 && d[5] == std::byte(wire::FrameType::close))
        close_code = std::to_integer<int>(d[6]);
    });
  }
  MESSAGE("flushing ended after ",
          std::chrono::duration_cast<std::chrono::milliseconds>(now - kEpoch).count(),
          " ms of PINGs without an acknowledgement (flush_timeout ",
          std::chrono::duration_cast<std::chrono::milliseconds>(ch.flush_timeout()).count(), " ms)");
  CHECK(ch.state() == State::closing);
  CHECK(now - kEpoch <= 5s + 500ms);  // the deadline's cap, plus one step of this loop
  CHECK(ch.close_reason() == EndCode::timeout);
  REQUIRE(ra.closes.size() == 1);
  CHECK(ra.closes[0] == EndCode::timeout);
  CHECK(close_code == int(CloseCode::timeout));
}

TEST_CASE("an immediate close during a flushing close takes effect at once") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  REQUIRE(ch.send(0, bytes_of({1, 2, 3}), kEpoch) == SendResult::ok);
  ch.close_after_flush(kEpoch);
  REQUIRE(ch.state() == State::flushing);
  ch.close(kEpoch + 1ms);
  CHECK(ch.state() == State::closing);
  CHECK(ch.close_reason() == EndCode::local);
  REQUIRE(ra.closes.size() == 1);
  auto d = ch.next_datagram(kEpoch + 1ms);
  REQUIRE(d.size() == wire::kHeaderSize + 2);
  CHECK(d[5] == std::byte(wire::FrameType::close));
  CHECK(d[6] == std::byte(CloseCode::local));
}

TEST_CASE(
    "the sent-packet ring stays bounded over 10^6 packets to a peer that pings and never acknowledges") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  REQUIRE(ch.send(0, bytes_of({1, 2, 3}), kEpoch) == SendResult::ok);  // never acknowledged
  std::size_t largest = 0;
  Time now = kEpoch;
  // Every other packet number is skipped, so each PING is answered by an ACK at once.
  for (std::uint32_t pn = 0; ch.stats().packets_sent < 1'000'000; pn += 2) {
    now += 1ms;
    ch.receive(packet(pn, {ping_frame()}), now);
    ch.poll(now, [](auto) {});
    largest = std::max(largest, ch.sent_ring_size());
    REQUIRE(ch.state() == State::open);
  }
  MESSAGE("largest sent ring over ", ch.stats().packets_sent, " packets: ", largest, " entries");
  CHECK(largest <= Channel::kMaxSentPackets);
  CHECK(ch.stats().sent_packets_retired > 0);
}

TEST_CASE("a partial message left incomplete is released on every lane kind") {
  // Lanes of the default configuration: 0 reliable ordered, 1 reliable unordered,
  // 2 unreliable sequenced, 3 unreliable.
  for (std::uint8_t lane = 0; lane < 4; ++lane) {
    CAPTURE(int(lane));
    Recorder ra;
    ChannelConfig c;
    ReassemblyBudget budget(64u << 20);
    Channel ch(c, kEpoch, ra, &budget);
    ch.receive(packet(0, {fragment_frame(lane, 0, 5000, 1000, 0)}), kEpoch);
    REQUIRE(budget.used() > 0);
    Time now = kEpoch;
    // The peer stays alive but never sends the rest.
    for (std::uint32_t pn = 1; now < kEpoch + 2 * c.timeout && budget.used() > 0; ++pn) {
      now += 250ms;
      ch.receive(packet(pn, {ping_frame()}), now);
      ch.poll(now, [](auto) {});
    }
    CHECK(budget.used() == 0);
    CHECK(ch.stats().rx_buffered_bytes == 0);
    if (is_reliable(c.lanes[lane].kind)) {
      // Its parts were acknowledged and will not come again: the channel closes.
      CHECK(ch.close_reason() == EndCode::timeout);
      CHECK(now - kEpoch <= c.timeout + c.timeout / 8 + 250ms);
    } else {
      CHECK(ch.state() == State::open);
      CHECK(ch.stats().dropped_unreliable_fragments == 1);
      CHECK(now - kEpoch <= c.fragment_timeout + 250ms);
    }
  }
}

TEST_CASE("a closed channel answers a repeated CLOSE with CLOSE_ACK") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  std::vector<std::byte> close_frame = bytes_of({int(wire::FrameType::close), int(CloseCode::local)});
  ch.receive(packet(0, {close_frame}), kEpoch);
  CHECK(ch.state() == State::closed);
  CHECK(ch.close_reason() == EndCode::remote);
  auto d = ch.next_datagram(kEpoch);
  REQUIRE(d.size() == wire::kHeaderSize + 1);
  CHECK(d[5] == std::byte(wire::FrameType::close_ack));
  CHECK(ch.next_datagram(kEpoch).empty());
  ch.receive(packet(1, {close_frame}), kEpoch);
  CHECK(ch.next_datagram(kEpoch).size() == wire::kHeaderSize + 1);
  CHECK(ra.closes.size() == 1);
}

TEST_CASE("a peer exceeding the reassembly cap is closed with overflow") {
  Recorder ra;
  ChannelConfig c;
  c.max_message = 64 * 1024;
  c.reassembly_cap = 100 * 1024;
  Channel ch(c, kEpoch, ra);
  // Two 60 KiB messages started but never finished: 120 KiB > 100 KiB.
  ch.receive(packet(0, {fragment_frame(0, 1, 60 * 1024, 1000, 0)}), kEpoch);
  CHECK(ch.state() == State::open);
  CHECK(ch.stats().rx_buffered_bytes >= 60 * 1024);
  ch.receive(packet(1, {fragment_frame(0, 2, 60 * 1024, 1000, 0)}), kEpoch);
  CHECK(ch.state() == State::closing);
  CHECK(ch.close_reason() == EndCode::overflow);
  auto d = ch.next_datagram(kEpoch);
  REQUIRE(!d.empty());
  CHECK(d[5] == std::byte(wire::FrameType::close));
  CHECK(d[6] == std::byte(CloseCode::overflow));
}

TEST_CASE("an exhausted global budget defers reliable data without closing and without acking it") {
  Recorder ra, rb;
  ChannelConfig c;
  ReassemblyBudget budget(300 * 1024);
  ReassemblyBudget other_use(1);
  sim::LinkConfig l;
  l.latency = 10ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch, nullptr, &budget);
  REQUIRE(budget.try_acquire(250 * 1024));  // another channel holds most of it
  REQUIRE(pair.a().send(1, make_payload(1, 200 * 1024), pair.now()) == SendResult::ok);
  pair.run_for(2s);
  CHECK(rb.messages.empty());
  CHECK(pair.b().state() == State::open);
  CHECK(pair.b().stats().dropped_budget > 0);
  budget.release(250 * 1024);
  REQUIRE(pair.run_until([&] { return rb.messages.size() == 1; }, 10s));
  CHECK(check_payload(rb.messages[0].bytes) == 1u);
  pair.run_for(100ms);
  CHECK(budget.used() == 0);
}

TEST_CASE("the global budget is shared by channels and returned when a channel goes away") {
  ReassemblyBudget budget(10u << 20);
  Recorder r1;
  {
    ChannelConfig c;
    Channel ch(c, kEpoch, r1, &budget);
    ch.receive(packet(0, {fragment_frame(0, 1, 50'000, 1000, 0)}), kEpoch);
    CHECK(budget.used() > 1000);  // what the part holds (its segment), not all 50 kB
    CHECK(budget.used() == ch.stats().rx_held_bytes);
  }
  CHECK(budget.used() == 0);
}

TEST_CASE("incomplete unreliable fragments expire") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  ch.receive(packet(0, {fragment_frame(3, 0, 5000, 1000, 0)}), kEpoch);
  CHECK(ch.stats().rx_buffered_bytes > 0);
  ch.poll(kEpoch + 500ms, [](auto) {});
  CHECK(ch.stats().rx_buffered_bytes > 0);
  CHECK(ch.next_wakeup() <= kEpoch + c.fragment_timeout);
  ch.poll(kEpoch + 1001ms, [](auto) {});
  CHECK(ch.stats().rx_buffered_bytes == 0);
  CHECK(ch.stats().dropped_unreliable_fragments == 1);
  CHECK(ch.state() == State::open);
}

TEST_CASE("unreliable partial messages beyond the per-lane limit evict the oldest instead of closing") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  for (std::uint32_t i = 0; i < 20; ++i) ch.receive(packet(i, {fragment_frame(3, i, 5000, 1000, 0)}), kEpoch);
  CHECK(ch.state() == State::open);
  CHECK(ch.stats().dropped_unreliable_fragments == 12);
}

TEST_CASE("protocol error: an ACK for a packet never sent") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  ch.receive(packet(0, {ack_frame(5)}), kEpoch);
  CHECK(ch.close_reason() == EndCode::protocol_error);
  REQUIRE(ra.closes.size() == 1);
  CHECK(ra.closes[0] == EndCode::protocol_error);
}

TEST_CASE("protocol error: fragments of one message that disagree on its size") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  ch.receive(packet(0, {fragment_frame(0, 0, 5000, 1000, 1)}), kEpoch);
  CHECK(ch.state() == State::open);
  ch.receive(packet(1, {fragment_frame(0, 0, 6000, 1000, 2)}), kEpoch);
  CHECK(ch.close_reason() == EndCode::protocol_error);
}

TEST_CASE("protocol error: a reliable message id beyond the receive window") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  std::vector<std::byte> f(wire::kMessagesHeaderSize + 2);
  wire::Writer w(f.data(), f.size());
  w.u8(static_cast<std::uint8_t>(wire::FrameType::messages));
  w.u8(0);
  w.u32(1u << 20);
  w.u8(1);
  w.varint(1);
  w.u8(7);
  ch.receive(packet(0, {f}), kEpoch);
  CHECK(ch.close_reason() == EndCode::protocol_error);
  CHECK(ra.messages.empty());
}

TEST_CASE("protocol error: a message on a lane that is not configured") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  ch.receive(packet(0, {bytes_of({int(wire::FrameType::messages), 4, 0, 0, 0, 0, 1, 1, 9})}), kEpoch);
  CHECK(ch.close_reason() == EndCode::protocol_error);
  CHECK(ra.messages.empty());
}

TEST_CASE("protocol error: a message larger than max_message") {
  Recorder ra;
  ChannelConfig c;
  c.max_message = 10;
  Channel ch(c, kEpoch, ra);
  std::vector<std::byte> f = bytes_of({int(wire::FrameType::messages), 0, 0, 0, 0, 0, 1, 11});
  f.resize(f.size() + 11);
  ch.receive(packet(0, {f}), kEpoch);
  CHECK(ch.close_reason() == EndCode::protocol_error);
  CHECK(ra.messages.empty());
}

TEST_CASE("protocol error: a fragmented message larger than max_message") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  ch.receive(packet(0, {fragment_frame(0, 0, c.max_message + 1, 1000, 0)}), kEpoch);
  CHECK(ch.close_reason() == EndCode::protocol_error);
  CHECK(ch.stats().rx_buffered_bytes == 0);
}

TEST_CASE("the event handler may close the channel from inside on_message") {
  struct Closer : Recorder {
    Channel* ch = nullptr;
    void on_message(std::size_t lane, std::span<const std::byte> m, Time now) override {
      Recorder::on_message(lane, m, now);
      ch->close(now);
    }
  };
  Recorder ra;
  Closer rb;
  ChannelConfig c;
  sim::Pair pair(c, c, {}, {}, 1, ra, rb, kEpoch);
  rb.ch = &pair.b();
  for (int i = 0; i < 10; ++i) REQUIRE(pair.a().send(0, make_payload(i, 50), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until(
      [&] { return pair.a().state() == State::closed && pair.b().state() == State::closed; }, 5s));
  CHECK(rb.messages.size() == 1);
  CHECK(pair.a().close_reason() == EndCode::remote);
}

TEST_CASE("an invalid configuration is refused at construction") {
  Recorder ra;
  ChannelConfig c;
  c.max_datagram = 2000;
  CHECK_THROWS_AS(Channel(c, kEpoch, ra), std::invalid_argument);
}

TEST_CASE("statistics count packets, bytes and messages on both sides") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 10ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  for (int i = 0; i < 100; ++i) REQUIRE(pair.a().send(0, make_payload(i, 500), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return pair.a().stats().queued_messages == 0; }, 5s));
  auto a = pair.a().stats(), b = pair.b().stats();
  CHECK(a.messages_sent == 100);
  CHECK(b.messages_received == 100);
  CHECK(a.packets_sent >= b.packets_received);
  CHECK(a.bytes_sent >= 100 * 500);
  CHECK(b.bytes_received >= 100 * 500);
  CHECK(a.packets_lost == 0);
  CHECK(a.min_rtt >= 20ms);
  CHECK(a.send_rate > 0);
  CHECK(a.cwnd > 0);
  CHECK(a.bytes_in_flight == 0);
  CHECK(a.queued_bytes == 0);
  CHECK(a.unsent_messages == 0);
}

TEST_CASE("a duplicated ack-eliciting packet is acknowledged again; a duplicated ACK is not answered") {
  Recorder ra;
  ChannelConfig c;
  Channel ch(c, kEpoch, ra);
  REQUIRE(ch.send(0, bytes_of({1}), kEpoch) == SendResult::ok);
  REQUIRE(!ch.next_datagram(kEpoch).empty());  // packet 0 carries the message
  auto ack = packet(0, {ack_frame(0)});
  ch.receive(ack, kEpoch + 10ms);
  CHECK(ch.stats().queued_messages == 0);
  ch.receive(ack, kEpoch + 10ms);
  CHECK(ch.stats().dropped_duplicate == 1);
  CHECK(ch.next_datagram(kEpoch + 10ms).empty());

  auto ping = packet(1, {bytes_of({int(wire::FrameType::ping)})});
  ch.receive(ping, kEpoch + 11ms);
  ch.poll(kEpoch + 11ms + c.max_ack_delay, [](auto) {});  // the delayed ACK goes out
  ch.receive(ping, kEpoch + 20ms);
  CHECK(ch.stats().dropped_duplicate == 2);
  CHECK(!ch.next_datagram(kEpoch + 20ms).empty());  // acknowledged again at once
}

TEST_CASE("the event handler may send from inside on_message (an echo peer)") {
  struct Echo : Recorder {
    Channel* ch = nullptr;
    void on_message(std::size_t lane, std::span<const std::byte> m, Time now) override {
      Recorder::on_message(lane, m, now);
      REQUIRE(ch->send(lane, m, now) == SendResult::ok);
    }
  };
  Recorder ra;
  Echo rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 10ms;
  l.loss = 0.1;
  sim::Pair pair(c, c, l, l, 4, ra, rb, kEpoch);
  rb.ch = &pair.b();
  for (int i = 0; i < 300; ++i)
    REQUIRE(pair.a().send(std::size_t(i % 2), make_payload(i, 20 + i * 40), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return ra.messages.size() == 300; }, 30s));
  std::size_t ordered = 0;
  for (auto& m : ra.messages) {
    auto id = check_payload(m.bytes);
    REQUIRE(id.has_value());
    if (m.lane == 0) {
      CHECK(*id == ordered);
      ordered += 2;
    }
  }
}

TEST_CASE("the CLOSE reason byte keeps its wire values") {
  // docs/PROTOCOL.md, "CLOSE reason codes": these numbers are wire format.
  CHECK(to_wire(EndCode::local) == 1);
  CHECK(to_wire(EndCode::timeout) == 3);
  CHECK(to_wire(EndCode::protocol_error) == 4);
  CHECK(to_wire(EndCode::overflow) == 5);
  CHECK(static_cast<int>(CloseCode::remote) == 2);
  CHECK(from_wire(1) == EndCode::remote);
  CHECK(from_wire(2) == EndCode::remote);
  CHECK(from_wire(3) == EndCode::remote_timeout);
  CHECK(from_wire(4) == EndCode::remote_protocol_error);
  CHECK(from_wire(5) == EndCode::remote_overflow);
  for (int code = 0; code < 256; ++code) CHECK(range_of(from_wire(std::uint8_t(code))) == EndRange::remote);
}

TEST_CASE("every CLOSE byte reaches on_closed as the peer's reason") {
  for (int code = 0; code < 256; ++code) {
    Recorder r;
    ChannelConfig c;
    Channel ch(c, kEpoch, r);
    ch.receive(packet(0, {bytes_of({int(wire::FrameType::close), code})}), kEpoch);
    REQUIRE(r.closes.size() == 1);
    CHECK(r.closes[0] == from_wire(std::uint8_t(code)));
    CHECK(ch.close_reason() == from_wire(std::uint8_t(code)));
    CHECK(ch.peer_close_code() == code);
  }
}

TEST_CASE("a peer closed for overflow reports remote_overflow on the other side") {
  // The side that overflows sends CLOSE code 5; its peer's on_closed used to say only
  // "remote" and lose why.
  Recorder ra, rb;
  ChannelConfig c;
  c.max_message = 64 * 1024;
  c.reassembly_cap = 100 * 1024;
  Channel a(c, kEpoch, ra);
  Channel b(c, kEpoch, rb);
  a.receive(packet(0, {fragment_frame(0, 1, 60 * 1024, 1000, 0)}), kEpoch);
  a.receive(packet(1, {fragment_frame(0, 2, 60 * 1024, 1000, 0)}), kEpoch);
  REQUIRE(ra.closes == std::vector{EndCode::overflow});
  auto close = a.next_datagram(kEpoch);
  REQUIRE(!close.empty());
  b.receive(close, kEpoch);
  CHECK(b.state() == State::closed);
  CHECK(rb.closes == std::vector{EndCode::remote_overflow});
  CHECK(to_string(rb.closes[0]) == "remote_overflow");
}
