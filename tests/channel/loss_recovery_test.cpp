// Loss recovery on its own, with a recording FrameSink: acknowledged and lost frames,
// the RTT estimate, the loss thresholds and the probe timeout.
#include <doctest/doctest.h>

#include <vector>

#include "channel/loss_recovery.hpp"
#include "helpers.hpp"

using namespace gs::channel;
using namespace std::chrono_literals;
using test::kEpoch;

namespace {

struct Frames final : FrameSink {
  std::vector<std::uint64_t> acked, lost;  // ids of the frames
  void on_frame_acked(const FrameRef& r) override { acked.push_back(r.id); }
  void on_frame_lost(const FrameRef& r) override { lost.push_back(r.id); }
};

// Sends one ack-eliciting packet carrying one frame whose id is its packet number.
void send_packet(LossRecovery& lr, Time now) {
  const std::uint64_t first = lr.next_frame();
  lr.record_frame({lr.next_packet_number(), 1, 0, RefKind::messages});
  lr.on_packet_sent(now, 1000, first, true);
}

wire::AckFrame ack_range(std::uint32_t largest, std::uint32_t below = 0) {
  wire::AckFrame a;
  a.largest = largest;
  a.first_range = below;
  return a;
}

}  // namespace

TEST_CASE("an ACK reports the packet's frames acknowledged and takes the first RTT sample") {
  ChannelConfig cfg;
  Frames frames;
  LossRecovery lr(cfg, kEpoch, frames);
  send_packet(lr, kEpoch);
  send_packet(lr, kEpoch);
  CHECK(lr.bytes_in_flight() == 2000);
  REQUIRE(lr.on_ack_frame(ack_range(1, 1), kEpoch + 40ms));
  CHECK(frames.acked == std::vector<std::uint64_t>{1, 0});
  CHECK(frames.lost.empty());
  CHECK(lr.srtt() == 40ms);
  CHECK(lr.rttvar() == 20ms);
  CHECK(lr.latest_rtt() == 40ms);
  CHECK(lr.bytes_in_flight() == 0);
  CHECK(lr.pto_deadline() == Time::max());
}

TEST_CASE("an ACK for a packet never sent is a protocol error") {
  ChannelConfig cfg;
  Frames frames;
  LossRecovery lr(cfg, kEpoch, frames);
  CHECK_FALSE(lr.on_ack_frame(ack_range(0), kEpoch));  // nothing sent yet
  send_packet(lr, kEpoch);
  CHECK_FALSE(lr.on_ack_frame(ack_range(1), kEpoch));
  CHECK(lr.on_ack_frame(ack_range(0), kEpoch));
}

TEST_CASE("packets three behind an acknowledged one are lost; younger ones wait for the time threshold") {
  ChannelConfig cfg;
  Frames frames;
  LossRecovery lr(cfg, kEpoch, frames);
  for (int i = 0; i < 5; ++i) send_packet(lr, kEpoch);
  REQUIRE(lr.on_ack_frame(ack_range(4), kEpoch + 50ms));
  CHECK(frames.lost == std::vector<std::uint64_t>{0, 1});
  CHECK(lr.counters().packets_lost == 2);
  REQUIRE(lr.loss_time() != Time::max());
  lr.on_loss_timer(lr.loss_time());
  CHECK(frames.lost == std::vector<std::uint64_t>{0, 1, 2, 3});
}

TEST_CASE(
    "a packet declared lost and then acknowledged is a spurious loss: its frames count as acknowledged") {
  ChannelConfig cfg;
  Frames frames;
  LossRecovery lr(cfg, kEpoch, frames);
  for (int i = 0; i < 4; ++i) send_packet(lr, kEpoch);
  REQUIRE(lr.on_ack_frame(ack_range(3), kEpoch + 50ms));
  CHECK(frames.lost == std::vector<std::uint64_t>{0});
  REQUIRE(lr.on_ack_frame(ack_range(3, 3), kEpoch + 60ms));
  CHECK(lr.counters().spurious_losses == 1);
  CHECK(frames.acked == std::vector<std::uint64_t>{3, 2, 1, 0});
}

TEST_CASE("the probe timeout declares the oldest packet lost, owes two probes and backs off") {
  ChannelConfig cfg;
  Frames frames;
  LossRecovery lr(cfg, kEpoch, frames);
  CHECK(lr.pto() == cfg.initial_rtt + 2 * cfg.initial_rtt + cfg.max_ack_delay);
  send_packet(lr, kEpoch);
  const Time deadline = lr.pto_deadline();
  CHECK(deadline == kEpoch + lr.pto());
  lr.on_pto(deadline);
  CHECK(frames.lost == std::vector<std::uint64_t>{0});
  CHECK(lr.probes_pending() == 2);
  CHECK(lr.counters().pto_count == 1);
  lr.on_probe_sent();
  send_packet(lr, deadline);
  CHECK(lr.pto_deadline() == deadline + 2 * lr.pto());
}

TEST_CASE("the sent-packet ring is bounded: the oldest outstanding packet is given up as lost") {
  ChannelConfig cfg;
  Frames frames;
  LossRecovery lr(cfg, kEpoch, frames);
  for (std::size_t i = 0; i <= LossRecovery::kMaxSentPackets; ++i) send_packet(lr, kEpoch);
  CHECK(lr.sent_ring_size() == LossRecovery::kMaxSentPackets);
  CHECK(lr.counters().sent_packets_retired == 1);
  CHECK(frames.lost == std::vector<std::uint64_t>{0});
}
