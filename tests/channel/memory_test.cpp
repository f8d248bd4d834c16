// What the receiver charges for the messages it holds, against the heap they really
// take. This executable counts its own heap: every operator new is measured with
// malloc_usable_size, so a charge can be compared with the memory behind it.
#include <doctest/doctest.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "frames.hpp"
#include "helpers.hpp"

namespace {
std::atomic<std::int64_t> live_heap{0};

void* counted_new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  live_heap += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}

void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  live_heap -= static_cast<std::int64_t>(malloc_usable_size(p));
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }

using namespace gs::channel;
using namespace gs::channel::test;
using namespace std::chrono_literals;

TEST_CASE("a lone small fragment of a large message is charged the memory it holds, not the whole message") {
  Recorder r;
  ChannelConfig c;
  ReassemblyBudget budget(64u << 20);
  Channel ch(c, kEpoch, r, &budget);
  // 64-byte parts of a 1 MiB message on the reliable unordered lane; only one arrives.
  const auto datagram = packet(0, {fragment_frame(1, 0, 1u << 20, 64, 7)});
  const std::int64_t before = live_heap;
  ch.receive(datagram, kEpoch);
  const std::int64_t grown = live_heap - before;
  CHECK(ch.state() == State::open);
  MESSAGE("heap grown by ", grown, " bytes, charged ", budget.used());
  CHECK(grown > 0);
  CHECK(std::int64_t(budget.used()) >= grown);
  CHECK(budget.used() < 32 * 1024);  // one 16 KiB segment and the bookkeeping
  CHECK(ch.stats().rx_held_bytes == budget.used());
}

TEST_CASE("out-of-order empty messages are charged their real bookkeeping cost") {
  Recorder r;
  ChannelConfig c;
  ReassemblyBudget budget(64u << 20);
  Channel ch(c, kEpoch, r, &budget);
  // Message 0 of the ordered lane never comes: 1..1000 are held, each empty.
  std::vector<std::vector<std::byte>> datagrams;
  for (std::uint32_t id = 1; id <= 1000; ++id)
    datagrams.push_back(packet(id - 1, {message_frame(0, id, {})}));
  const std::int64_t before = live_heap;
  for (const auto& d : datagrams) ch.receive(d, kEpoch);
  const std::int64_t grown = live_heap - before;
  CHECK(r.count == 0);
  MESSAGE("heap grown by ", grown, " bytes, charged ", budget.used());
  CHECK(std::int64_t(budget.used()) >= grown);
  CHECK(std::int64_t(budget.used()) <= grown + grown / 2);  // real, not a blanket overcharge
  // Message 0 arrives: everything is delivered and the memory given back.
  ch.receive(packet(1000, {message_frame(0, 0, {})}), kEpoch);
  CHECK(r.count == 1001);
  CHECK(budget.used() == 0);
  CHECK(ch.stats().rx_buffered_bytes == 0);
}

TEST_CASE("a fragmented message arrives whole once its parts are in, segment by segment") {
  Recorder r;
  ChannelConfig c;
  ReassemblyBudget budget(64u << 20);
  Channel ch(c, kEpoch, r, &budget);
  const std::uint32_t total = 100'000, chunk = 1000;
  const auto message = make_payload(42, total);
  std::uint32_t pn = 0;
  // Parts in reverse order, so every segment is started by its last part.
  for (std::uint32_t i = (total + chunk - 1) / chunk; i-- > 0;) {
    auto frame = fragment_frame(1, 0, total, chunk, i);
    std::memcpy(frame.data() + wire::kFragmentHeaderSize, message.data() + std::size_t{i} * chunk,
                frame.size() - wire::kFragmentHeaderSize);
    ch.receive(packet(pn++, {frame}), kEpoch);
    if (i == 90) CHECK(budget.used() < 30'000);  // 10 parts in: two segments, not 100 kB
  }
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].bytes == message);
  CHECK(budget.used() == 0);
}

TEST_CASE("a channel held open by a peer that pings and never acknowledges keeps a fixed heap") {
  Recorder r;
  ChannelConfig c;
  const std::int64_t before = live_heap;
  std::int64_t peak = 0;
  {
    Channel ch(c, kEpoch, r);
    REQUIRE(ch.send(0, bytes_of({1, 2, 3}), kEpoch) == SendResult::ok);  // never acknowledged
    const std::int64_t built = live_heap - before;
    Time now = kEpoch;
    // Every other packet number is skipped, so each PING is answered by an ACK at once.
    for (std::uint32_t pn = 0; ch.stats().packets_sent < 50'000; pn += 2) {
      now += 1ms;
      ch.receive(packet(pn, {ping_frame()}), now);
      ch.poll(now, [](auto) {});
      peak = std::max<std::int64_t>(peak, live_heap - before);
    }
    MESSAGE("channel heap: ", built, " bytes built, ", peak, " at most over 50,000 packets, sent ring ",
            ch.sent_ring_size(), " entries");
  }
  CHECK(peak < (1 << 20));
}
