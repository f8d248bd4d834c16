#include "channel/config.hpp"

#include <fmt/format.h>

namespace gs::channel {

std::string_view to_string(LaneKind kind) {
  switch (kind) {
    case LaneKind::reliable_ordered: return "reliable_ordered";
    case LaneKind::reliable_unordered: return "reliable_unordered";
    case LaneKind::unreliable_sequenced: return "unreliable_sequenced";
    case LaneKind::unreliable: return "unreliable";
  }
  return "unknown";
}

namespace {

template <class T>
std::string check(const Knob<T>& knob, T value) {
  if (knob.contains(value)) return {};
  return fmt::format("{} = {} is outside [{}, {}] {}", knob.name, value, knob.min, knob.max, knob.unit);
}

std::string check_ms(const Knob<std::chrono::milliseconds>& knob, Duration value) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(value);
  if (value >= knob.min && value <= knob.max) return {};
  return fmt::format("{} = {} ms is outside [{}, {}] ms", knob.name, ms.count(), knob.min.count(),
                     knob.max.count());
}

}  // namespace

std::string validate(const ChannelConfig& c) {
  std::string e;
  if (!(e = check(knobs::max_datagram, c.max_datagram)).empty()) return e;
  if (!(e = check(knobs::max_message, c.max_message)).empty()) return e;
  if (!(e = check_ms(knobs::keepalive_interval, c.keepalive_interval)).empty()) return e;
  if (!(e = check_ms(knobs::timeout, c.timeout)).empty()) return e;
  if (!(e = check_ms(knobs::min_rto, c.min_rto)).empty()) return e;
  if (!(e = check_ms(knobs::initial_rtt, c.initial_rtt)).empty()) return e;
  if (!(e = check_ms(knobs::max_ack_delay, c.max_ack_delay)).empty()) return e;
  if (!(e = check(knobs::reassembly_cap, c.reassembly_cap)).empty()) return e;
  if (!(e = check(knobs::reassembly_total, c.reassembly_total)).empty()) return e;
  if (!(e = check(knobs::send_queue_cap, c.send_queue_cap)).empty()) return e;
  if (!(e = check(knobs::max_send_rate, c.max_send_rate)).empty()) return e;
  if (!(e = check_ms(knobs::fragment_timeout, c.fragment_timeout)).empty()) return e;
  if (c.lanes.empty() || c.lanes.size() > kMaxLanes)
    return fmt::format("lanes: {} configured, must be 1 to {}", c.lanes.size(), kMaxLanes);
  for (std::size_t i = 0; i < c.lanes.size(); ++i) {
    const auto& l = c.lanes[i];
    if (static_cast<unsigned>(l.kind) > static_cast<unsigned>(LaneKind::unreliable))
      return fmt::format("lanes[{}].kind is not a lane kind", i);
    if (!(e = check(knobs::lane_priority, l.priority)).empty()) return fmt::format("lanes[{}].{}", i, e);
    if (!(e = check(knobs::lane_weight, l.weight)).empty()) return fmt::format("lanes[{}].{}", i, e);
  }
  if (c.reassembly_cap < c.max_message)
    return fmt::format("reassembly_cap = {} must be at least max_message = {}", c.reassembly_cap,
                       c.max_message);
  if (c.send_queue_cap < c.max_message)
    return fmt::format("send_queue_cap = {} must be at least max_message = {}", c.send_queue_cap,
                       c.max_message);
  if (c.keepalive_interval >= c.timeout) return "keepalive_interval must be shorter than timeout";
  return {};
}

}  // namespace gs::channel
