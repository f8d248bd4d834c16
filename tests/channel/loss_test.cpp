// Recovery under loss: the 10,000-message test, wrap-around, delivery latency,
// throughput and rate limits on the simulated network.
#include <doctest/doctest.h>

#include <algorithm>

#include "helpers.hpp"

using namespace gs::channel;
using namespace gs::channel::test;
using namespace std::chrono_literals;

namespace {

// Sizes from 1 B to 200 KiB: mostly small game messages, some medium, a few large.
std::size_t mixed_size(sim::Rng& rng) {
  const double p = rng.uniform();
  if (p < 0.90) return 1 + rng.next() % 300;
  if (p < 0.99) return 300 + rng.next() % 5000;
  return 1 + rng.next() % (200 * 1024);
}

// Sends n messages of mixed sizes on lane 0 and checks exactly-once, in-order,
// uncorrupted delivery.
void run_mixed(std::uint64_t seed, int n, const sim::LinkConfig& link, std::uint32_t first_sequence = 0) {
  Recorder ra, rb;
  ChannelConfig c;
  c.first_sequence = first_sequence;
  sim::Pair pair(c, c, link, link, seed, ra, rb, kEpoch);
  sim::Rng sizes(seed ^ 0x5eed);
  int sent = 0;
  // Keep the send queue fed the way an application would: retry on queue_full.
  REQUIRE(pair.run_until(
      [&] {
        while (sent < n) {
          auto msg = make_payload(std::uint64_t(sent), std::max<std::size_t>(12, mixed_size(sizes)));
          if (sent % 7 == 0) msg.resize(1 + sent % 11);  // tiny messages below checksum size
          auto r = pair.a().send(0, msg, pair.now());
          if (r == SendResult::queue_full) break;
          REQUIRE(r == SendResult::ok);
          ++sent;
        }
        return rb.messages.size() >= std::size_t(n);
      },
      600s));
  pair.run_for(3s);
  REQUIRE(rb.messages.size() == std::size_t(n));
  sim::Rng replay(seed ^ 0x5eed);
  for (int i = 0; i < n; ++i) {
    auto expect = make_payload(std::uint64_t(i), std::max<std::size_t>(12, mixed_size(replay)));
    if (i % 7 == 0) expect.resize(1 + i % 11);
    if (rb.messages[i].bytes != expect) {
      FAIL("message ", i, " differs (size ", rb.messages[i].bytes.size(), " expected ", expect.size(), ")");
    }
  }
  CHECK(pair.a().state() == State::open);
  CHECK(pair.b().state() == State::open);
  CHECK(pair.b().stats().rx_buffered_bytes == 0);
  // The sender learns of the last deliveries once their acknowledgements get through.
  CHECK(pair.run_until([&] { return pair.a().stats().queued_messages == 0; }, 30s));
  auto st = pair.a().stats();
  MESSAGE("simulated ", std::chrono::duration<double>(pair.now() - kEpoch).count(), " s, packets ",
          st.packets_sent, " lost ", st.packets_lost, " spurious ", st.spurious_losses, " pto ",
          st.pto_count);
}

sim::LinkConfig harsh() {
  sim::LinkConfig l;
  l.latency = 100ms;
  l.jitter = 20ms;
  l.loss = 0.25;
  l.duplicate = 0.25;
  l.reorder = 0.25;
  l.reorder_delay = 50ms;
  return l;
}

struct Percentiles {
  Duration p50, p99, max;
};

// Paced reliable messages (100 per second of 100 B) and their delivery times.
Percentiles paced_latency(const sim::LinkConfig& link, std::uint64_t seed, int n) {
  Recorder ra, rb;
  ChannelConfig c;
  sim::Pair pair(c, c, link, link, seed, ra, rb, kEpoch);
  std::vector<Time> sent_at;
  for (int i = 0; i < n; ++i) {
    sent_at.push_back(pair.now());
    REQUIRE(pair.a().send(0, make_payload(std::uint64_t(i), 100), pair.now()) == SendResult::ok);
    pair.run_for(10ms);
  }
  pair.run_for(5s);
  REQUIRE(rb.messages.size() == std::size_t(n));
  std::vector<Duration> lat;
  for (auto& m : rb.messages) lat.push_back(m.at - sent_at[*check_payload(m.bytes)]);
  std::sort(lat.begin(), lat.end());
  return {lat[lat.size() / 2], lat[lat.size() * 99 / 100], lat.back()};
}

}  // namespace

TEST_CASE("10,000 mixed-size reliable messages at 25% loss, 25% duplication, reordering, 100 ms latency") {
  run_mixed(42, 10'000, harsh());
}

TEST_CASE("sequence numbers and message ids wrap around 2^32") {
  sim::LinkConfig l;
  l.latency = 10ms;
  l.loss = 0.1;
  l.reorder = 0.1;
  run_mixed(7, 3000, l, 0xffffffffu - 500);
}

TEST_CASE("a reliable message's p99 delivery time at 5% loss and 40 ms RTT stays under 150 ms") {
  sim::LinkConfig l;
  l.latency = 20ms;
  l.loss = 0.05;
  auto p = paced_latency(l, 1234, 3000);
  MESSAGE("p50 ", std::chrono::duration<double, std::milli>(p.p50).count(), " ms, p99 ",
          std::chrono::duration<double, std::milli>(p.p99).count(), " ms");
  CHECK(p.p50 < 25ms);
  CHECK(p.p99 < 150ms);
}

TEST_CASE("RTT estimate converges on the link's round trip") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 40ms;
  l.jitter = 4ms;
  sim::Pair pair(c, c, l, l, 3, ra, rb, kEpoch);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(pair.a().send(0, make_payload(std::uint64_t(i), 64), pair.now()) == SendResult::ok);
    pair.run_for(20ms);
  }
  auto s = pair.a().stats();
  CHECK(s.min_rtt >= 80ms);
  CHECK(s.min_rtt < 90ms);
  CHECK(s.srtt > 80ms);
  CHECK(s.srtt < 100ms);
  CHECK(s.rttvar < 20ms);
  CHECK(s.packets_lost == 0);
  CHECK(s.retransmitted == 0);
}

TEST_CASE("bulk transfer at 40 ms RTT exceeds 16 MB/s") {
  Recorder ra, rb;
  rb.keep_bytes = false;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 20ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  const std::size_t total = 64u << 20;
  std::vector<std::byte> chunk(64 * 1024);
  std::size_t queued = 0;
  const Time start = pair.now();
  REQUIRE(pair.run_until(
      [&] {
        while (queued < total && pair.a().send(0, chunk, pair.now()) == SendResult::ok)
          queued += chunk.size();
        return rb.count * chunk.size() >= total;
      },
      60s));
  const double secs = std::chrono::duration<double>(pair.now() - start).count();
  const double rate = double(total) / secs;
  MESSAGE("bulk ", rate / 1e6, " MB/s");
  CHECK(rate > 16e6);
}

TEST_CASE("bulk transfer at 40 ms RTT with 5% random loss does not collapse") {
  Recorder ra, rb;
  rb.keep_bytes = false;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 20ms;
  l.loss = 0.05;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  const std::size_t total = 32u << 20;
  std::vector<std::byte> chunk(64 * 1024);
  std::size_t queued = 0;
  const Time start = pair.now();
  REQUIRE(pair.run_until(
      [&] {
        while (queued < total && pair.a().send(0, chunk, pair.now()) == SendResult::ok)
          queued += chunk.size();
        return rb.count * chunk.size() >= total;
      },
      60s));
  const double rate = double(total) / std::chrono::duration<double>(pair.now() - start).count();
  MESSAGE("bulk at 5% loss ", rate / 1e6, " MB/s");
  CHECK(rate > 8e6);
}

TEST_CASE("a bottleneck is filled but not flooded, with deep and shallow buffers") {
  struct Case {
    std::uint64_t bandwidth, queue;
  };
  for (auto k : {Case{2'000'000, 100'000}, Case{2'000'000, 10'000}, Case{10'000'000, 100'000}}) {
    CAPTURE(k.bandwidth);
    CAPTURE(k.queue);
    Recorder ra, rb;
    rb.keep_bytes = false;
    ChannelConfig c;
    sim::LinkConfig l;
    l.latency = 20ms;
    l.bandwidth = k.bandwidth;
    l.queue_bytes = k.queue;
    sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
    std::vector<std::byte> chunk(16 * 1024);
    auto feed = [&] {
      while (pair.a().send(0, chunk, pair.now()) == SendResult::ok) {
      }
      return false;
    };
    pair.run_until(feed, 2s);  // start-up probes for the bottleneck and overshoots it once
    const auto before = rb.count;
    const auto net_before = pair.network().stats(sim::Side::a);
    pair.run_until(feed, 3s);
    const auto net = pair.network().stats(sim::Side::a);
    const double rate = double(rb.count - before) * double(chunk.size()) / 3.0;
    const auto drops = net.queue_dropped - net_before.queue_dropped;
    MESSAGE("goodput ", rate / 1e6, " MB/s, queue drops ", drops, " of ", net.sent - net_before.sent);
    CHECK(rate > 0.85 * double(k.bandwidth));
    CHECK(drops < (net.sent - net_before.sent) / 20);
  }
}

TEST_CASE("max_send_rate caps the send rate") {
  Recorder ra, rb;
  rb.keep_bytes = false;
  ChannelConfig c;
  c.max_send_rate = 500'000;
  sim::LinkConfig l;
  l.latency = 5ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  std::vector<std::byte> chunk(16 * 1024);
  for (int i = 0; i < 200; ++i) REQUIRE(pair.a().send(0, chunk, pair.now()) == SendResult::ok);
  pair.run_for(1s);
  const auto before = pair.a().stats().bytes_sent;
  pair.run_for(2s);
  const double rate = double(pair.a().stats().bytes_sent - before) / 2.0;
  MESSAGE("rate-limited ", rate / 1e3, " kB/s");
  CHECK(rate <= 500'000 * 1.05);
  CHECK(rate > 500'000 * 0.8);
}
TEST_CASE("throughput holds up at 25% loss, duplication and reordering") {
  Recorder ra, rb;
  rb.keep_bytes = false;
  ChannelConfig c;
  sim::LinkConfig l = harsh();
  sim::Pair pair(c, c, l, l, 42, ra, rb, kEpoch);
  for (int i = 0; i < 200; ++i)
    REQUIRE(pair.a().send(0, make_payload(i, 50000), pair.now()) == SendResult::ok);
  REQUIRE(pair.run_until([&] { return rb.count == 200; }, 600s));
  const double secs = std::chrono::duration<double>(pair.now() - kEpoch).count();
  auto s = pair.a().stats();
  MESSAGE("10 MB in ", secs, " s simulated; packets ", s.packets_sent, " lost ", s.packets_lost, " spurious ",
          s.spurious_losses, " srtt ", std::chrono::duration<double, std::milli>(s.srtt).count(), " ms");
  CHECK(secs < 20);  // a loss-based controller needs minutes here
}

TEST_CASE("a lost tail packet is recovered by the probe timeout") {
  Recorder ra, rb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 20ms;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  for (int i = 0; i < 20; ++i) {  // measure the RTT first
    REQUIRE(pair.a().send(0, make_payload(i, 50), pair.now()) == SendResult::ok);
    pair.run_for(50ms);
  }
  pair.network().link(sim::Side::a).loss = 1.0;
  const Time sent = pair.now();
  REQUIRE(pair.a().send(0, make_payload(20, 50), pair.now()) == SendResult::ok);
  pair.run_for(1ms);
  pair.network().link(sim::Side::a).loss = 0;
  REQUIRE(pair.run_until([&] { return rb.messages.size() == 21; }, 5s));
  CHECK(pair.a().stats().pto_count >= 1);
  CHECK(rb.messages.back().at - sent < 120ms);  // PTO about 50 ms, then one way
}

TEST_CASE("reordering alone stops causing retransmissions once it is detected") {
  Recorder ra, rb;
  rb.keep_bytes = false;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 20ms;
  l.reorder = 0.3;
  l.reorder_delay = 15ms;
  sim::Pair pair(c, c, l, l, 9, ra, rb, kEpoch);
  for (int i = 0; i < 3000; ++i) {
    REQUIRE(pair.a().send(0, make_payload(i, 400), pair.now()) == SendResult::ok);
    pair.run_for(2ms);
  }
  pair.run_for(2s);
  CHECK(rb.count == 3000);
  auto s = pair.a().stats();
  MESSAGE("packets ", s.packets_sent, " declared lost ", s.packets_lost, " spurious ", s.spurious_losses);
  CHECK(s.spurious_losses > 0);
  CHECK(s.packets_lost < s.packets_sent / 50);
}

TEST_CASE("a lasting RTT increase does not collapse the rate") {
  Recorder ra, rb;
  rb.keep_bytes = false;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = 5ms;
  l.bandwidth = 2'000'000;
  l.queue_bytes = 200'000;
  sim::Pair pair(c, c, l, l, 1, ra, rb, kEpoch);
  std::vector<std::byte> chunk(16 * 1024);
  auto feed = [&] {
    while (pair.a().send(0, chunk, pair.now()) == SendResult::ok) {
    }
    return false;
  };
  pair.run_until(feed, 3s);
  pair.network().link(sim::Side::a).latency = 50ms;  // a route change: 10 ms -> 100 ms RTT
  pair.network().link(sim::Side::b).latency = 50ms;
  pair.run_until(feed, 22s);
  const auto before = rb.count;
  pair.run_until(feed, 3s);
  const double rate = double(rb.count - before) * double(chunk.size()) / 3.0;
  MESSAGE("goodput after the RTT change ", rate / 1e6, " MB/s, min RTT ",
          std::chrono::duration<double, std::milli>(pair.a().stats().min_rtt).count(), " ms");
  CHECK(rate > 1.6e6);
  CHECK(pair.a().stats().min_rtt >= 100ms);
}
