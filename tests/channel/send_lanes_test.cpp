// The send lanes on their own: what push refuses, how new data and retransmissions are
// packed into frames, acknowledgement and pacing. Frames are read back with
// wire::read_frames.
#include <doctest/doctest.h>

#include <vector>

#include "channel/send_lanes.hpp"
#include "helpers.hpp"

using namespace gs::channel;
using namespace std::chrono_literals;
using test::kEpoch;

namespace {

// A pair of send lanes and the loss recovery that records their frames.
struct Sender {
  ChannelConfig cfg;
  SendLanes lanes;
  LossRecovery log;
  std::vector<std::byte> buf;
  wire::FrameList frames;

  explicit Sender(const ChannelConfig& c = {})
      : cfg(c), lanes(cfg, kEpoch), log(cfg, kEpoch, lanes), buf(cfg.max_datagram) {}

  // Packs one packet body and reads its frames back.
  std::size_t write() {
    wire::Writer w(buf.data(), buf.size());
    lanes.write(w, log);
    if (w.size() > 0) REQUIRE(wire::read_frames({buf.data(), w.size()}, frames));
    return w.size();
  }
};

std::vector<std::byte> bytes(std::size_t n, int value = 7) {
  return std::vector<std::byte>(n, std::byte(value));
}

}  // namespace

TEST_CASE("push refuses an unknown lane, a message over max_message and one past send_queue_cap") {
  ChannelConfig cfg;
  cfg.max_message = 2000;
  cfg.send_queue_cap = 4000;
  Sender s(cfg);
  CHECK(s.lanes.push(9, bytes(10)) == SendResult::bad_lane);
  CHECK(s.lanes.push(0, bytes(2001)) == SendResult::too_large);
  CHECK(s.lanes.push(0, bytes(2000)) == SendResult::ok);
  CHECK(s.lanes.push(0, bytes(1900)) == SendResult::queue_full);
  CHECK(s.lanes.queued_messages() == 1);
  CHECK(s.lanes.queued_bytes() == wire::footprint(2000));
  CHECK(s.lanes.counters().messages_sent == 1);
}

TEST_CASE("small messages of a lane share one MESSAGES frame; acknowledging it empties the lane") {
  Sender s;
  for (int i = 0; i < 3; ++i) REQUIRE(s.lanes.push(0, bytes(10, i)) == SendResult::ok);
  const std::uint64_t first = s.log.next_frame();
  CHECK(s.write() == wire::kMessagesHeaderSize + 3 * 11);
  REQUIRE(s.frames.frames.size() == 3);
  for (std::uint32_t i = 0; i < 3; ++i) {
    CHECK(s.frames.frames[i].type == wire::FrameType::messages);
    CHECK(s.frames.frames[i].id == i);
    CHECK(s.frames.frames[i].bytes.size() == 10);
  }
  CHECK(s.log.next_frame() == first + 1);
  CHECK(s.lanes.unsent_messages() == 0);
  CHECK_FALSE(s.lanes.all_acked());
  s.lanes.on_frame_acked({0, 3, 0, RefKind::messages});
  CHECK(s.lanes.frames_acked() == 3);
  CHECK(s.lanes.all_acked());
  CHECK(s.lanes.queued_bytes() == 0);
}

TEST_CASE("a large message goes in FRAGMENT frames; a lost fragment is sent again") {
  Sender s;
  const std::size_t chunk = wire::chunk_size(s.cfg.max_datagram);
  REQUIRE(s.lanes.push(0, bytes(3 * chunk)) == SendResult::ok);
  for (std::uint32_t index = 0; index < 3; ++index) {
    s.write();
    REQUIRE(s.frames.frames.size() == 1);
    const wire::Frame& f = s.frames.frames[0];
    CHECK(f.type == wire::FrameType::fragment);
    CHECK(f.index == index);
    CHECK(f.total == 3 * chunk);
    CHECK(f.chunk == chunk);
  }
  CHECK_FALSE(s.lanes.any_sendable());
  s.lanes.on_frame_acked({0, 0, 0, RefKind::fragment});
  s.lanes.on_frame_lost({0, 1, 0, RefKind::fragment});
  s.lanes.on_frame_lost({0, 0, 0, RefKind::fragment});  // acknowledged meanwhile: not resent
  REQUIRE(s.lanes.any_sendable());
  s.write();
  REQUIRE(s.frames.frames.size() == 1);
  CHECK(s.frames.frames[0].index == 1);
  CHECK(s.lanes.counters().retransmitted == 1);
  CHECK(s.lanes.counters().bytes_retransmitted == chunk);
  CHECK_FALSE(s.lanes.any_sendable());
}

TEST_CASE("lost whole messages are resent except those acknowledged meanwhile") {
  Sender s;
  for (int i = 0; i < 4; ++i) REQUIRE(s.lanes.push(0, bytes(20)) == SendResult::ok);
  s.write();
  s.lanes.on_frame_acked({1, 1, 0, RefKind::messages});
  s.lanes.on_frame_lost({0, 4, 0, RefKind::messages});
  s.write();
  std::vector<std::uint32_t> ids;
  for (const auto& f : s.frames.frames) ids.push_back(f.id);
  CHECK(ids == std::vector<std::uint32_t>{0, 2, 3});
  CHECK(s.lanes.counters().retransmitted == 3);
}

TEST_CASE("an unreliable lane forgets a message once sent; discard_all drops everything queued") {
  Sender s;
  REQUIRE(s.lanes.push(3, bytes(30)) == SendResult::ok);
  s.write();
  CHECK(s.log.next_frame() == 0);  // nothing recorded: never sent again
  CHECK(s.lanes.queued_messages() == 0);
  REQUIRE(s.lanes.push(0, bytes(30)) == SendResult::ok);
  s.lanes.discard_all();
  CHECK(s.lanes.all_acked());
  CHECK(s.lanes.queued_bytes() == 0);
}

TEST_CASE("pacing lets a burst go, then waits for tokens at the given rate") {
  Sender s;
  const double rate = 1e6;  // bytes/s
  CHECK(s.lanes.pacing_allows(kEpoch, 0));
  CHECK(s.lanes.pacing_allows(kEpoch, rate));
  s.lanes.spend_pacing(static_cast<std::uint32_t>(16 * s.cfg.max_datagram + 999));
  CHECK_FALSE(s.lanes.pacing_allows(kEpoch, rate));
  CHECK(s.lanes.pacing_ready(kEpoch, rate) == kEpoch + 1ms);
  CHECK(s.lanes.pacing_allows(kEpoch + 1ms, rate));
}
