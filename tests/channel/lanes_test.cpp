// Lane semantics, fragmentation, send results and priorities.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "helpers.hpp"

using namespace gs::channel;
using namespace gs::channel::test;
using namespace std::chrono_literals;

namespace {

ChannelConfig lanes_config(std::initializer_list<LaneConfig> lanes) {
  ChannelConfig c;
  c.lanes = lanes;
  return c;
}

sim::LinkConfig lossy(double loss, double dup, double reorder, Duration latency) {
  sim::LinkConfig l;
  l.loss = loss;
  l.duplicate = dup;
  l.reorder = reorder;
  l.latency = latency;
  l.jitter = latency / 4;
  return l;
}

}  // namespace

TEST_CASE("a small message on a clean link arrives once, in one datagram") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::Pair pair(c, c, {}, {}, 1, ra, rb, kEpoch);
  auto msg = bytes_of({1, 2, 3});
  REQUIRE(pair.a().send(0, msg, pair.now()) == SendResult::ok);
  auto d = pair.a().next_datagram(pair.now());
  REQUIRE(!d.empty());
  CHECK(d.size() == wire::kHeaderSize + wire::kMessagesHeaderSize + 1 + 3);
  CHECK(pair.a().next_datagram(pair.now()).empty());
  std::vector<std::byte> copy(d.begin(), d.end());
  pair.b().receive(copy, pair.now());
  REQUIRE(rb.messages.size() == 1);
  CHECK(rb.messages[0].lane == 0);
  CHECK(rb.messages[0].bytes == msg);
  pair.b().receive(copy, pair.now());  // a duplicate datagram is not delivered again
  CHECK(rb.messages.size() == 1);
  CHECK(pair.b().stats().dropped_duplicate == 1);
}

TEST_CASE("many small messages are packed into few datagrams") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::Pair pair(c, c, {}, {}, 1, ra, rb, kEpoch);
  for (int i = 0; i < 100; ++i) REQUIRE(pair.a().send(0, make_payload(i, 100), pair.now()) == SendResult::ok);
  std::size_t datagrams = pair.a().poll(pair.now(), [](auto) {});
  CHECK(datagrams <= 10);  // about 11 messages of 100 bytes per 1200-byte datagram
  CHECK(pair.a().stats().packets_sent == datagrams);
}

TEST_CASE("empty messages are delivered") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::Pair pair(c, c, {}, {}, 1, ra, rb, kEpoch);
  REQUIRE(pair.a().send(0, {}, pair.now()) == SendResult::ok);
  REQUIRE(pair.a().send(1, {}, pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return rb.messages.size() == 2; }, 1s));
  CHECK(rb.messages[0].bytes.empty());
}

TEST_CASE("reliable ordered: exactly once and in order under loss, duplication and reordering") {
  Recorder ra, rb;
  auto c = lanes_config({{LaneKind::reliable_ordered, 0, 1}});
  auto link = lossy(0.2, 0.2, 0.2, 30ms);
  sim::Pair pair(c, c, link, link, 7, ra, rb, kEpoch);
  const int n = 2000;
  for (int i = 0; i < n; ++i)
    REQUIRE(pair.a().send(0, make_payload(i, 20 + (i * 37) % 3000), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return rb.messages.size() >= std::size_t(n); }, 120s));
  pair.run_for(2s);
  REQUIRE(rb.messages.size() == std::size_t(n));
  for (int i = 0; i < n; ++i) CHECK(check_payload(rb.messages[i].bytes) == std::uint64_t(i));
  CHECK(pair.a().stats().packets_lost > 0);
  CHECK(pair.a().stats().retransmitted > 0);
}

TEST_CASE("reliable unordered: every message exactly once under loss and duplication") {
  Recorder ra, rb;
  auto c = lanes_config({{LaneKind::reliable_unordered, 0, 1}});
  auto link = lossy(0.25, 0.25, 0.25, 50ms);
  sim::Pair pair(c, c, link, link, 11, ra, rb, kEpoch);
  const int n = 2000;
  for (int i = 0; i < n; ++i)
    REQUIRE(pair.a().send(0, make_payload(i, 12 + (i * 53) % 5000), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return rb.messages.size() >= std::size_t(n); }, 120s));
  pair.run_for(2s);
  REQUIRE(rb.messages.size() == std::size_t(n));
  std::set<std::uint64_t> ids;
  bool out_of_order = false;
  std::uint64_t prev = 0;
  for (auto& m : rb.messages) {
    auto id = check_payload(m.bytes);
    REQUIRE(id.has_value());
    CHECK(ids.insert(*id).second);
    if (*id < prev) out_of_order = true;
    prev = *id;
  }
  CHECK(ids.size() == std::size_t(n));
  CHECK(out_of_order);  // unordered lanes do not wait for gaps
}

TEST_CASE("unreliable sequenced: never delivers an older message after a newer one") {
  Recorder ra, rb;
  auto c = lanes_config({{LaneKind::unreliable_sequenced, 0, 1}});
  auto link = lossy(0.2, 0.3, 0.5, 20ms);
  link.reorder_delay = 50ms;
  sim::Pair pair(c, c, link, link, 3, ra, rb, kEpoch);
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    // a few large ones exercise fragmented sequenced messages
    REQUIRE(pair.a().send(0, make_payload(i, i % 100 == 0 ? 4000 : 40), pair.now()) == SendResult::ok);
    pair.run_for(1ms);
  }
  pair.run_for(2s);
  REQUIRE(rb.messages.size() > 100);
  CHECK(rb.messages.size() < std::size_t(n));
  std::uint64_t last = 0;
  bool first = true;
  for (auto& m : rb.messages) {
    auto id = check_payload(m.bytes);
    REQUIRE(id.has_value());
    if (!first) CHECK(*id > last);
    last = *id;
    first = false;
  }
}

TEST_CASE("unreliable: delivers what arrives, no retransmission") {
  Recorder ra, rb;
  auto c = lanes_config({{LaneKind::unreliable, 0, 1}});
  auto link = lossy(0.3, 0, 0, 10ms);
  sim::Pair pair(c, c, link, link, 5, ra, rb, kEpoch);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(pair.a().send(0, make_payload(i, 50), pair.now()) == SendResult::ok);
    pair.run_for(1ms);
  }
  pair.run_for(1s);
  CHECK(rb.messages.size() > 500);
  CHECK(rb.messages.size() < 900);
  CHECK(pair.a().stats().retransmitted == 0);
  CHECK(pair.a().stats().queued_messages == 0);
  for (auto& m : rb.messages) CHECK(check_payload(m.bytes).has_value());
}

TEST_CASE("fragmented messages up to max_message arrive whole on every lane kind") {
  for (auto kind : {LaneKind::reliable_ordered, LaneKind::reliable_unordered, LaneKind::unreliable_sequenced,
                    LaneKind::unreliable}) {
    CAPTURE(to_string(kind));
    Recorder ra, rb;
    auto c = lanes_config({{kind, 0, 1}});
    sim::LinkConfig link;
    link.latency = 20ms;
    sim::Pair pair(c, c, link, link, 9, ra, rb, kEpoch);
    std::vector<std::size_t> sizes = {wire::max_unfragmented(c.max_datagram),
                                      wire::max_unfragmented(c.max_datagram) + 1, 5000, c.max_message};
    for (std::size_t i = 0; i < sizes.size(); ++i)
      REQUIRE(pair.a().send(0, make_payload(i, sizes[i]), pair.now()) == SendResult::ok);
    REQUIRE(pair.run_until([&] { return rb.messages.size() == sizes.size(); }, 30s));
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      CHECK(rb.messages[i].bytes.size() == sizes[i]);
      CHECK(check_payload(rb.messages[i].bytes) == i);
    }
    CHECK(pair.b().stats().rx_buffered_bytes == 0);
  }
}

TEST_CASE("send refuses a lane that is not configured with bad_lane") {
  Recorder ra;
  ChannelConfig c;
  Channel a(c, kEpoch, ra);
  CHECK(a.send(4, bytes_of({1}), kEpoch) == SendResult::bad_lane);
  CHECK(a.send(std::size_t(-1), bytes_of({1}), kEpoch) == SendResult::bad_lane);
  CHECK(a.stats().queued_messages == 0);
}

TEST_CASE("send refuses a message above max_message with too_large") {
  Recorder ra;
  ChannelConfig c;
  c.max_message = 5000;
  Channel a(c, kEpoch, ra);
  CHECK(a.send(0, std::vector<std::byte>(5001), kEpoch) == SendResult::too_large);
  CHECK(a.send(0, std::vector<std::byte>(5000), kEpoch) == SendResult::ok);
}

TEST_CASE("send reports queue_full without dropping anything, and accepts again once acknowledged") {
  Recorder ra, rb;
  ChannelConfig c;
  c.send_queue_cap = c.max_message + 4096;
  sim::Pair pair(c, c, {}, {}, 1, ra, rb, kEpoch);
  auto& a = pair.a();
  std::vector<std::byte> big(c.max_message);
  CHECK(a.send(0, big, pair.now()) == SendResult::ok);
  std::vector<std::byte> more(5000);
  CHECK(a.send(0, more, pair.now()) == SendResult::queue_full);
  CHECK(a.stats().queued_messages == 1);
  REQUIRE(pair.run_until([&] { return rb.messages.size() == 1; }, 10s));
  REQUIRE(pair.run_until([&] { return a.stats().queued_messages == 0; }, 1s));
  CHECK(a.send(0, more, pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return rb.messages.size() == 2; }, 1s));
}

TEST_CASE("send after close reports closed") {
  Recorder ra;
  ChannelConfig c;
  Channel a(c, kEpoch, ra);
  a.close(kEpoch);
  CHECK(a.send(0, bytes_of({1}), kEpoch) == SendResult::closed);
}

TEST_CASE("a higher-priority lane is served before a bulk lane") {
  Recorder ra, rb;
  auto c = lanes_config({{LaneKind::reliable_ordered, 1, 1}, {LaneKind::reliable_ordered, 0, 1}});
  sim::LinkConfig link;
  link.latency = 20ms;
  link.bandwidth = 1'000'000;
  sim::Pair pair(c, c, link, link, 1, ra, rb, kEpoch);
  std::vector<std::byte> bulk(200'000);
  for (int i = 0; i < 4; ++i) REQUIRE(pair.a().send(0, bulk, pair.now()) == SendResult::ok);
  pair.run_for(50ms);
  const Time sent_at = pair.now();
  REQUIRE(pair.a().send(1, make_payload(1, 32), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until(
      [&] {
        return std::any_of(rb.messages.begin(), rb.messages.end(), [](auto& m) { return m.lane == 1; });
      },
      5s));
  Time got{};
  for (auto& m : rb.messages)
    if (m.lane == 1) got = m.at;
  CHECK(got - sent_at < 300ms);  // the bulk lane needs about 800 ms
  CHECK(std::none_of(rb.messages.begin(), rb.messages.end(), [](auto& m) { return m.lane == 0; }));
}

TEST_CASE("lanes of equal priority share the link by weight") {
  Recorder ra, rb;
  rb.keep_bytes = true;
  auto c = lanes_config({{LaneKind::reliable_ordered, 0, 1}, {LaneKind::reliable_ordered, 0, 3}});
  sim::LinkConfig link;
  link.latency = 10ms;
  link.bandwidth = 500'000;
  sim::Pair pair(c, c, link, link, 1, ra, rb, kEpoch);
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(pair.a().send(0, make_payload(i, 200), pair.now()) == SendResult::ok);
    REQUIRE(pair.a().send(1, make_payload(i, 200), pair.now()) == SendResult::ok);
  }
  pair.run_for(500ms);
  std::size_t l0 = 0, l1 = 0;
  for (auto& m : rb.messages) (m.lane == 0 ? l0 : l1)++;
  REQUIRE(l0 > 0);
  const double ratio = double(l1) / double(l0);
  CHECK(ratio > 2.0);
  CHECK(ratio < 4.0);
}

TEST_CASE("a bulk lane that fills the flow-control window does not stall game traffic") {
  Recorder ra, rb;
  // Game messages on an unordered lane, so each one's delay is its own (no head-of-line
  // wait behind an earlier lost game message).
  auto c = lanes_config({{LaneKind::reliable_ordered, 1, 1}, {LaneKind::reliable_unordered, 0, 1}});
  c.max_message = 256 * 1024;
  c.reassembly_cap = 1u << 20;
  sim::LinkConfig link;
  link.latency = 50ms;
  link.loss = 0.1;
  sim::Pair pair(c, c, link, link, 21, ra, rb, kEpoch);
  std::vector<std::byte> bulk(256 * 1024);
  std::vector<Time> sent_at;
  for (int tick = 0; tick < 300; ++tick) {
    while (pair.a().send(0, bulk, pair.now()) == SendResult::ok) {
    }
    sent_at.push_back(pair.now());
    REQUIRE(pair.a().send(1, make_payload(sent_at.size() - 1, 40), pair.now()) == SendResult::ok);
    pair.run_for(20ms);
  }
  pair.run_for(2s);
  std::vector<Duration> delays;
  for (auto& m : rb.messages)
    if (m.lane == 1) delays.push_back(m.at - sent_at[*check_payload(m.bytes)]);
  REQUIRE(delays.size() == sent_at.size());
  std::sort(delays.begin(), delays.end());
  auto ms = [](Duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  MESSAGE("game messages behind a saturating bulk lane: p50 ", ms(delays[delays.size() / 2]), " ms, p90 ",
          ms(delays[delays.size() * 9 / 10]), " ms, max ", ms(delays.back()), " ms");
  CHECK(delays[delays.size() / 2] < 60ms);        // one-way latency 50 ms
  CHECK(delays[delays.size() * 9 / 10] < 200ms);  // 10% are lost once
  CHECK(delays.back() < 500ms);                   // lost three times at worst
  CHECK(pair.a().stats().queued_bytes > 0);       // the bulk lane really was backlogged
}

TEST_CASE("no datagram exceeds max_datagram, whatever the mix of acks, messages and fragments") {
  for (std::uint32_t max : {256u, 1200u, 1351u}) {
    CAPTURE(max);
    Recorder ra, rb;
    ChannelConfig c;
    c.max_datagram = max;
    sim::LinkConfig link = lossy(0.2, 0.1, 0.3, 20ms);
    sim::Pair pair(c, c, link, link, max, ra, rb, kEpoch);
    sim::Rng rng(max);
    std::size_t largest = 0;
    for (int i = 0; i < 600; ++i) {
      for (Channel* ch : {&pair.a(), &pair.b()})
        REQUIRE(ch->send(std::size_t(i % 4), make_payload(i, 12 + rng.next() % 3000), pair.now()) ==
                SendResult::ok);
      // Drive the pair by hand to see every datagram.
      for (int k = 0; k < 5; ++k) {
        pair.a().poll(pair.now(), [&](auto d) {
          largest = std::max(largest, d.size());
          pair.network().send(sim::Side::a, d, pair.now());
        });
        pair.b().poll(pair.now(), [&](auto d) {
          largest = std::max(largest, d.size());
          pair.network().send(sim::Side::b, d, pair.now());
        });
        pair.run_for(1ms);
      }
    }
    pair.run_for(5s);
    CHECK(largest <= max);
    CHECK(largest > max - 100);
    std::size_t reliable = 0;
    for (auto& m : rb.messages) reliable += m.lane < 2;
    CHECK(reliable == 300);
  }
}
