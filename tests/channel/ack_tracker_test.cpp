// The ack tracker on its own: the receive window, when an ACK is owed, and the ACK
// frame it writes.
#include <doctest/doctest.h>

#include <vector>

#include "channel/ack_tracker.hpp"
#include "helpers.hpp"

using namespace gs::channel;
using namespace std::chrono_literals;
using test::kEpoch;

namespace {

// Writes the tracker's ACK frame and reads it back.
wire::AckFrame ack_of(const AckTracker& acks, Time now) {
  std::byte buf[wire::kMaxAckFrameSize];
  wire::Writer w(buf, sizeof buf);
  acks.write_ack(w, now);
  wire::Reader r({buf, w.size()});
  std::uint8_t type = 0;
  REQUIRE(r.u8(type));
  CHECK(type == static_cast<std::uint8_t>(wire::FrameType::ack));
  wire::AckFrame a;
  REQUIRE(wire::read_ack(r, a));
  CHECK(r.empty());
  return a;
}

}  // namespace

TEST_CASE("the tracker finds duplicates, packets behind its window and the order of arrival") {
  AckTracker acks(0);
  CHECK(acks.in_order(0));
  CHECK_FALSE(acks.already_received(0));
  acks.record_received(0, kEpoch);
  CHECK(acks.already_received(0));
  CHECK(acks.in_order(1));
  CHECK_FALSE(acks.in_order(2));
  acks.record_received(2, kEpoch);
  CHECK_FALSE(acks.already_received(1));
  CHECK(acks.already_received(2));
  CHECK(acks.expand(3) == 3);

  const std::uint64_t far = 2 + AckTracker::kRecvWindow;
  acks.record_received(far, kEpoch);
  CHECK(acks.too_old(2));
  CHECK_FALSE(acks.too_old(far - 1));
  CHECK_FALSE(acks.already_received(far - 1));  // the window moved: old bits are cleared
}

TEST_CASE("an ACK is owed every second eliciting packet, at once out of order, else by the deadline") {
  AckTracker acks(0);
  CHECK_FALSE(acks.ack_due(kEpoch));
  CHECK(acks.ack_deadline() == Time::max());

  acks.record_received(0, kEpoch);
  acks.on_eliciting(true, kEpoch, 5ms);
  CHECK_FALSE(acks.ack_due(kEpoch));
  CHECK(acks.ack_deadline() == kEpoch + 5ms);
  CHECK(acks.ack_due(kEpoch + 5ms));

  acks.record_received(1, kEpoch);
  acks.on_eliciting(true, kEpoch, 5ms);
  CHECK(acks.ack_immediate());
  CHECK(acks.ack_due(kEpoch));
  acks.on_ack_sent();
  CHECK_FALSE(acks.ack_due(kEpoch + 1s));

  CHECK_FALSE(acks.in_order(3));
  acks.record_received(3, kEpoch);
  acks.on_eliciting(false, kEpoch, 5ms);
  CHECK(acks.ack_immediate());
}

TEST_CASE("an eliciting duplicate is acknowledged at once; ACKs ride along only while the peer elicits") {
  AckTracker acks(0);
  acks.record_received(0, kEpoch);
  CHECK_FALSE(acks.ack_wanted(kEpoch, 10ms));  // the peer sent only ACKs so far
  acks.on_eliciting_duplicate();
  CHECK(acks.ack_immediate());
  acks.on_ack_sent();
  acks.on_eliciting(true, kEpoch, 5ms);
  acks.on_ack_sent();
  CHECK(acks.ack_wanted(kEpoch + 20ms, 10ms));
  CHECK_FALSE(acks.ack_wanted(kEpoch + 21ms, 10ms));
}

TEST_CASE("the ACK frame names the largest packet, its delay and the ranges below it") {
  AckTracker acks(0);
  for (std::uint64_t pn = 0; pn < 10; ++pn)
    if (pn != 5 && pn != 6) acks.record_received(pn, kEpoch);
  const wire::AckFrame a = ack_of(acks, kEpoch + 800us);
  CHECK(a.largest == 9);
  CHECK(a.delay == 800 / wire::kAckDelayUnitUs);
  CHECK(a.first_range == 2);  // 7..9
  REQUIRE(a.range_count == 1);
  CHECK(a.gap[0] == 1);     // 5 and 6 missing
  CHECK(a.length[0] == 4);  // 0..4
}

TEST_CASE("the ACK frame stays within its size with many gaps and starts from a wrapped first packet") {
  const std::uint32_t first = 0xffffffff - 20;
  AckTracker acks(first);
  for (std::uint64_t pn = first; pn < std::uint64_t{first} + 200; pn += 2) acks.record_received(pn, kEpoch);
  CHECK(acks.expand(static_cast<std::uint32_t>(first + 198)) == std::uint64_t{first} + 198);
  const wire::AckFrame a = ack_of(acks, kEpoch);
  CHECK(a.largest == static_cast<std::uint32_t>(first + 198));
  CHECK(a.first_range == 0);
  CHECK(a.range_count == wire::kMaxAckRanges);
}
