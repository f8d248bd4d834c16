// Reassembly on its own, with a recording MessageSink: ordered draining, fragments put
// back together, the memory charged for held messages, expiry, and what it reports for
// a peer that breaks the rules (the channel decides how to close).
#include <doctest/doctest.h>

#include <vector>

#include "channel/reassembly.hpp"
#include "helpers.hpp"

using namespace gs::channel;
using namespace std::chrono_literals;
using test::kEpoch;
using Outcome = Reassembly::Outcome;

namespace {

struct Messages final : MessageSink {
  std::vector<std::pair<std::size_t, std::vector<std::byte>>> got;
  bool open = true;
  void deliver(std::size_t lane, std::span<const std::byte> m, Time) override {
    got.push_back({lane, {m.begin(), m.end()}});
  }
  bool taking_data() const override { return open; }
};

constexpr std::size_t kOrdered = 0, kUnordered = 1, kSequenced = 2, kUnreliable = 3;

struct Receiver {
  ChannelConfig cfg;
  Messages sink;
  Reassembly rx;
  explicit Receiver(const ChannelConfig& c = {}, ReassemblyBudget* budget = nullptr)
      : cfg(c), rx(cfg, budget, sink) {}
};

std::vector<std::byte> payload(std::size_t n, int value) {
  return std::vector<std::byte>(n, std::byte(value));
}

wire::Frame message(std::size_t lane, std::uint32_t id, const std::vector<std::byte>& bytes) {
  wire::Frame f;
  f.type = wire::FrameType::messages;
  f.lane = static_cast<std::uint8_t>(lane);
  f.id = id;
  f.bytes = bytes;
  return f;
}

// Part `index` of a message of `total` bytes in parts of 64 bytes, taken from `bytes`.
wire::Frame part(std::size_t lane, std::uint32_t id, const std::vector<std::byte>& bytes,
                 std::uint32_t index) {
  wire::Frame f;
  f.type = wire::FrameType::fragment;
  f.lane = static_cast<std::uint8_t>(lane);
  f.id = id;
  f.total = static_cast<std::uint32_t>(bytes.size());
  f.chunk = 64;
  f.index = index;
  const std::size_t off = std::size_t{index} * 64;
  f.bytes = std::span<const std::byte>(bytes).subspan(off, std::min<std::size_t>(64, bytes.size() - off));
  return f;
}

}  // namespace

TEST_CASE("an ordered lane holds early messages, charged, and delivers them in order") {
  Receiver r;
  const auto m0 = payload(10, 0), m1 = payload(20, 1), m2 = payload(30, 2);
  CHECK(r.rx.on_message(message(kOrdered, 2, m2), kEpoch) == Outcome::ok);
  CHECK(r.rx.on_message(message(kOrdered, 1, m1), kEpoch) == Outcome::ok);
  CHECK(r.sink.got.empty());
  CHECK(r.rx.buffered_bytes() == wire::footprint(20) + wire::footprint(30));
  CHECK(r.rx.held_bytes() > 50);
  CHECK(r.rx.on_message(message(kOrdered, 0, m0), kEpoch) == Outcome::ok);
  REQUIRE(r.sink.got.size() == 3);
  CHECK(r.sink.got[0].second == m0);
  CHECK(r.sink.got[1].second == m1);
  CHECK(r.sink.got[2].second == m2);
  CHECK(r.rx.buffered_bytes() == 0);
  CHECK(r.rx.held_bytes() == 0);
  CHECK(r.rx.on_message(message(kOrdered, 1, m1), kEpoch) == Outcome::ok);  // old: ignored
  CHECK(r.sink.got.size() == 3);
}

TEST_CASE("draining stops when a delivery closes the channel") {
  Receiver r;
  const auto m = payload(5, 1);
  r.rx.on_message(message(kOrdered, 1, m), kEpoch);
  r.rx.on_message(message(kOrdered, 2, m), kEpoch);
  r.sink.open = false;
  r.rx.on_message(message(kOrdered, 0, m), kEpoch);
  CHECK(r.sink.got.size() == 1);
}

TEST_CASE("a peer breaking the rules is reported, not acted on") {
  ChannelConfig cfg;
  cfg.max_message = 1000;
  cfg.reassembly_cap = 1024;
  Receiver r(cfg);
  const auto small = payload(10, 0), big = payload(1001, 0), fits = payload(900, 0), second = payload(100, 0);
  CHECK(r.rx.on_message(message(7, 0, small), kEpoch) == Outcome::protocol_error);
  CHECK(r.rx.on_message(message(kOrdered, 0, big), kEpoch) == Outcome::protocol_error);
  CHECK(r.rx.on_message(message(kOrdered, 1u << 16, small), kEpoch) == Outcome::protocol_error);
  CHECK(r.rx.on_message(message(kOrdered, 1, fits), kEpoch) == Outcome::ok);
  CHECK(r.rx.on_message(message(kOrdered, 2, second), kEpoch) == Outcome::overflow);
  CHECK(r.sink.got.empty());
}

TEST_CASE("fragments are put back together on every kind of lane") {
  const auto m = payload(200, 9);
  for (std::size_t lane : {kOrdered, kUnordered, kSequenced, kUnreliable}) {
    CAPTURE(lane);
    Receiver r;
    for (std::uint32_t index : {3u, 0u, 2u, 1u})
      CHECK(r.rx.on_fragment(part(lane, 0, m, index), kEpoch) == Outcome::ok);
    REQUIRE(r.sink.got.size() == 1);
    CHECK(r.sink.got[0].second == m);
    CHECK(r.rx.buffered_bytes() == 0);
    CHECK(r.rx.held_bytes() == 0);
    CHECK_FALSE(r.rx.has_unreliable_partials());
  }
}

TEST_CASE("a part that disagrees with the first part's sizes is a protocol error") {
  Receiver r;
  const auto m = payload(200, 1), other = payload(300, 1);
  CHECK(r.rx.on_fragment(part(kOrdered, 0, m, 0), kEpoch) == Outcome::ok);
  CHECK(r.rx.on_fragment(part(kOrdered, 0, other, 1), kEpoch) == Outcome::protocol_error);
}

TEST_CASE("an exhausted shared budget leaves the packet unacknowledged on reliable lanes only") {
  ReassemblyBudget budget(100);
  Receiver r({}, &budget);
  const auto m = payload(200, 1);
  CHECK(r.rx.on_fragment(part(kOrdered, 0, m, 0), kEpoch) == Outcome::unacked);
  CHECK(r.rx.on_fragment(part(kUnreliable, 0, m, 0), kEpoch) == Outcome::ok);
  CHECK(r.rx.counters().dropped_unreliable_fragments == 1);
  CHECK(budget.used() == 0);
}

TEST_CASE("incomplete unreliable messages expire; a stalled reliable one is found by the sweep") {
  ChannelConfig cfg;
  Receiver r(cfg);
  const auto m = payload(200, 1);
  r.rx.on_fragment(part(kUnreliable, 0, m, 0), kEpoch);
  REQUIRE(r.rx.has_unreliable_partials());
  CHECK(r.rx.next_expiry() == kEpoch + cfg.fragment_timeout);
  r.rx.expire_fragments(kEpoch + cfg.fragment_timeout);
  CHECK_FALSE(r.rx.has_unreliable_partials());
  CHECK(r.rx.counters().dropped_unreliable_fragments == 1);

  r.rx.on_fragment(part(kOrdered, 0, m, 0), kEpoch);
  CHECK(r.rx.sweep_at() == kEpoch + cfg.timeout);
  CHECK_FALSE(r.rx.sweep_reliable(kEpoch + cfg.timeout / 2));
  CHECK(r.rx.sweep_reliable(kEpoch + cfg.timeout));
  r.rx.release_all();
  CHECK(r.rx.sweep_at() == Time::max());
  CHECK(r.rx.buffered_bytes() == 0);
  CHECK(r.rx.held_bytes() == 0);
}

TEST_CASE("a sequenced lane drops older incomplete messages when a newer one arrives") {
  Receiver r;
  const auto m = payload(200, 1), small = payload(5, 2);
  r.rx.on_fragment(part(kSequenced, 0, m, 0), kEpoch);
  r.rx.on_fragment(part(kSequenced, 1, m, 0), kEpoch);
  CHECK(r.rx.on_message(message(kSequenced, 2, small), kEpoch) == Outcome::ok);
  CHECK_FALSE(r.rx.has_unreliable_partials());
  CHECK(r.rx.buffered_bytes() == 0);
  CHECK(r.rx.on_fragment(part(kSequenced, 1, m, 1), kEpoch) == Outcome::ok);  // too old now
  CHECK(r.sink.got.size() == 1);
}
