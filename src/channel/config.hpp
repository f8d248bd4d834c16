// Channel configuration: every tuning knob declared once with its default, minimum,
// maximum and unit, so a config layer can map YAML onto it and print the limits.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/knob.hpp"

namespace gs::channel {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;

// Durations as the floating-point seconds rates are computed in, and back.
inline double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline Duration from_seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// Knob<T> (common/knob.hpp): name, default, inclusive range, unit.
using gs::Knob;

namespace knobs {
using std::chrono::milliseconds;
// Largest datagram the channel emits, bytes. 1351 is the largest DTLS 1.2 record
// payload every offered suite carries in wolfSSL 5.5 (AES-GCM; ChaCha20-Poly1305: 1359).
inline constexpr Knob<std::uint32_t> max_datagram{"max_datagram", 1200, 256, 1351, "bytes"};
// Largest message accepted by send() and from the peer, bytes.
inline constexpr Knob<std::uint32_t> max_message{"max_message", 1u << 20, 1, 64u << 20, "bytes"};
// Idle time after which a PING is sent.
inline constexpr Knob<milliseconds> keepalive_interval{"keepalive_interval", milliseconds(1000),
                                                       milliseconds(10), milliseconds(60'000), "ms"};
// Time without any packet from the peer after which the channel closes with `timeout`.
inline constexpr Knob<milliseconds> timeout{"timeout", milliseconds(10'000), milliseconds(100),
                                            milliseconds(600'000), "ms"};
// Floor of the retransmission (probe) timeout.
inline constexpr Knob<milliseconds> min_rto{"min_rto", milliseconds(20), milliseconds(1), milliseconds(1000),
                                            "ms"};
// RTT assumed before the first measurement.
inline constexpr Knob<milliseconds> initial_rtt{"initial_rtt", milliseconds(100), milliseconds(1),
                                                milliseconds(10'000), "ms"};
// Longest the receiver delays an acknowledgement.
inline constexpr Knob<milliseconds> max_ack_delay{"max_ack_delay", milliseconds(5), milliseconds(0),
                                                  milliseconds(100), "ms"};
// Bytes of reassembly and out-of-order buffering allowed for this peer; also the
// flow-control window this end assumes for the peer. Must be >= max_message.
inline constexpr Knob<std::uint64_t> reassembly_cap{"reassembly_cap", 8u << 20, 1024, 1ull << 30, "bytes"};
// Heap bytes of reassembly and out-of-order buffering all channels sharing one
// ReassemblyBudget may hold together (transport::Host makes one per Host). Not read by
// the channel itself. 64 MiB: 8 peers at a full reassembly_cap at once, and 6% of the
// 1 GiB that 10,000 held connections are meant to fit in (docs/BENCHMARKS.md).
inline constexpr Knob<std::uint64_t> reassembly_total{"reassembly_total", 64u << 20, 1024, 1ull << 40,
                                                      "bytes"};
// Bytes the channel holds for sending (queued plus sent-but-unacknowledged).
// Must be >= max_message.
inline constexpr Knob<std::uint64_t> send_queue_cap{"send_queue_cap", 16u << 20, 1024, 1ull << 32, "bytes"};
// Upper bound of the send rate, bytes/second; 0 means unlimited.
inline constexpr Knob<std::uint64_t> max_send_rate{"max_send_rate", 0, 0, 10'000'000'000ull, "bytes/s"};
// Age after which an incomplete unreliable fragmented message is discarded.
inline constexpr Knob<milliseconds> fragment_timeout{"fragment_timeout", milliseconds(1000), milliseconds(10),
                                                     milliseconds(60'000), "ms"};
// Lane priority: 0 is served first.
inline constexpr Knob<std::uint8_t> lane_priority{"priority", 0, 0, 7, ""};
// Lane weight among lanes of equal priority (deficit round robin).
inline constexpr Knob<std::uint16_t> lane_weight{"weight", 1, 1, 1000, ""};

// Calls f(knob) for every channel-wide knob, e.g. to print the accepted ranges.
template <class F>
void for_each(F&& f) {
  f(max_datagram);
  f(max_message);
  f(keepalive_interval);
  f(timeout);
  f(min_rto);
  f(initial_rtt);
  f(max_ack_delay);
  f(reassembly_cap);
  f(reassembly_total);
  f(send_queue_cap);
  f(max_send_rate);
  f(fragment_timeout);
}
}  // namespace knobs

// Hard limits of the protocol (not tunable).
inline constexpr std::size_t kMaxLanes = 16;
inline constexpr std::size_t kMinDatagram = 256;
inline constexpr std::size_t kMaxDatagram = 1359;

enum class LaneKind : std::uint8_t {
  reliable_ordered,      // every message exactly once, in send order
  reliable_unordered,    // every message exactly once, as soon as it is complete
  unreliable_sequenced,  // may drop; never delivers an older message after a newer one
  unreliable,            // may drop or reorder
};

std::string_view to_string(LaneKind kind);
constexpr bool is_reliable(LaneKind k) {
  return k == LaneKind::reliable_ordered || k == LaneKind::reliable_unordered;
}

struct LaneConfig {
  LaneKind kind = LaneKind::reliable_ordered;
  std::uint8_t priority = knobs::lane_priority.def;
  std::uint16_t weight = knobs::lane_weight.def;
};

struct ChannelConfig {
  std::uint32_t max_datagram = knobs::max_datagram.def;
  std::uint32_t max_message = knobs::max_message.def;
  // Lane 0..n-1; both ends must configure the same lanes.
  std::vector<LaneConfig> lanes = {
      {LaneKind::reliable_ordered, 0, 1},
      {LaneKind::reliable_unordered, 0, 1},
      {LaneKind::unreliable_sequenced, 0, 1},
      {LaneKind::unreliable, 0, 1},
  };
  Duration keepalive_interval = knobs::keepalive_interval.def;
  Duration timeout = knobs::timeout.def;
  Duration min_rto = knobs::min_rto.def;
  Duration initial_rtt = knobs::initial_rtt.def;
  Duration max_ack_delay = knobs::max_ack_delay.def;
  std::uint64_t reassembly_cap = knobs::reassembly_cap.def;
  std::uint64_t reassembly_total = knobs::reassembly_total.def;
  std::uint64_t send_queue_cap = knobs::send_queue_cap.def;
  std::uint64_t max_send_rate = knobs::max_send_rate.def;
  Duration fragment_timeout = knobs::fragment_timeout.def;
  // First packet number and first message id of every lane. Both ends must agree;
  // only tests change it (to exercise 32-bit wrap-around).
  std::uint32_t first_sequence = 0;
};

// Empty when valid, else a message naming the first bad field and its range.
std::string validate(const ChannelConfig& config);

}  // namespace gs::channel
