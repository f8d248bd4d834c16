#include "channel/send_lanes.hpp"

#include <algorithm>
#include <cstring>

#include "channel/bits.hpp"

namespace gs::channel {

SendLanes::SendLanes(const ChannelConfig& config, Time now)
    : max_message_(config.max_message),
      send_queue_cap_(config.send_queue_cap),
      max_datagram_(config.max_datagram),
      chunk_(wire::chunk_size(config.max_datagram)),
      tx_(config.lanes.size()),
      pacing_tokens_(16.0 * config.max_datagram),
      pacing_stamp_(now) {
  const std::size_t n = config.lanes.size();
  for (std::size_t i = 0; i < n; ++i) {
    tx_[i].cfg = config.lanes[i];
    tx_[i].reliable = is_reliable(config.lanes[i].kind);
    tx_[i].base_id = tx_[i].send_pos = config.first_sequence;
  }
  for (unsigned p = knobs::lane_priority.min; p <= knobs::lane_priority.max; ++p) {
    std::vector<std::size_t> group;
    for (std::size_t i = 0; i < n; ++i)
      if (config.lanes[i].priority == p) group.push_back(i);
    if (!group.empty()) prio_groups_.push_back(std::move(group));
  }
  rr_cursor_.assign(prio_groups_.size(), 0);
  // Lanes below the top priority may fill only 3/4 of the flow-control window, so
  // bulk transfers never lock game traffic out of it.
  const std::uint64_t cap = config.reassembly_cap;
  for (std::size_t g = 0; g < prio_groups_.size(); ++g)
    for (auto lane : prio_groups_[g]) tx_[lane].window = g == 0 ? cap : cap - cap / 4;
}

SendResult SendLanes::push(std::size_t lane, std::span<const std::byte> message) {
  if (lane >= tx_.size()) return SendResult::bad_lane;
  if (message.size() > max_message_) return SendResult::too_large;
  if (queued_bytes_ + wire::footprint(message.size()) > send_queue_cap_) return SendResult::queue_full;

  auto& tx = tx_[lane];
  OutMsg m;
  m.size = static_cast<std::uint32_t>(message.size());
  if (message.size() <= MessageArena::kMaxSmall) {
    m.data = arena_.allocate(message.size(), m.block);
  } else {
    m.large = std::make_unique_for_overwrite<std::byte[]>(message.size());
    m.data = m.large.get();
  }
  if (!message.empty()) std::memcpy(m.data, message.data(), message.size());
  if (message.size() > wire::max_unfragmented(max_datagram_)) {
    m.frag_count = static_cast<std::uint32_t>((message.size() + chunk_ - 1) / chunk_);
    if (tx.reliable) m.frag_acked = std::make_unique<std::uint64_t[]>((m.frag_count + 63) / 64);
  }
  tx.msgs.push_back(std::move(m));
  queued_bytes_ += wire::footprint(message.size());
  ++queued_messages_;
  ++counters_.messages_sent;
  return SendResult::ok;
}

void SendLanes::release(OutMsg& m) {
  if (m.block != MessageArena::kNoBlock) arena_.release(m.block);
  m.block = MessageArena::kNoBlock;
  m.large.reset();
  m.frag_acked.reset();
  queued_bytes_ -= wire::footprint(m.size);
  --queued_messages_;
}

bool SendLanes::can_start(const LaneTx& tx, const OutMsg& m) const {
  if (!tx.reliable || m.counted) return true;
  if (tx.send_pos - tx.base_id >= wire::kMessageWindow) return false;
  return outstanding_ == 0 || outstanding_ + wire::footprint(m.size) <= tx.window;
}

bool SendLanes::has_new_data(const LaneTx& tx) const {
  if (tx.send_pos >= tx.next_id()) return false;
  const auto& m = tx.msgs[tx.send_pos - tx.base_id];
  return m.next_frag > 0 || can_start(tx, m);
}

bool SendLanes::any_sendable() const {
  for (const auto& tx : tx_)
    if (has_sendable(tx)) return true;
  return false;
}

// Sends a lost fragment again unless it was acknowledged meanwhile; false if it does not fit.
bool SendLanes::resend_fragment(wire::Writer& w, LaneTx& tx, const FrameRef& r, LossRecovery& log) {
  if (r.id < tx.base_id) return true;
  const OutMsg& m = tx.msgs[r.id - tx.base_id];
  if (m.acked || test_bit(m.frag_acked.get(), r.index)) return true;
  const std::size_t off = std::size_t{r.index} * chunk_;
  const std::size_t len = std::min<std::size_t>(chunk_, m.size - off);
  if (w.remaining() < wire::kFragmentHeaderSize + len) return false;
  wire::write_fragment_header(w, r.lane, static_cast<std::uint32_t>(r.id), m.size,
                              static_cast<std::uint16_t>(chunk_), r.index);
  w.bytes({m.data + off, len});
  log.record_frame(r);
  ++counters_.retransmitted;
  counters_.bytes_retransmitted += len;
  return true;
}

// Sends a lost run of whole messages again, the ones not yet acknowledged; `r` keeps
// what is left of the run. False if it does not all fit.
bool SendLanes::resend_messages(wire::Writer& w, LaneTx& tx, FrameRef& r, LossRecovery& log) {
  while (r.index > 0) {
    if (r.id < tx.base_id || tx.msgs[r.id - tx.base_id].acked) {
      ++r.id;
      --r.index;
      continue;
    }
    const OutMsg& first = tx.msgs[r.id - tx.base_id];
    if (w.remaining() < wire::kMessagesHeaderSize + wire::varint_size(first.size) + first.size) return false;
    std::byte* count_pos = wire::write_messages_header(w, r.lane, static_cast<std::uint32_t>(r.id));
    const std::uint64_t first_id = r.id;
    std::uint32_t count = 0;
    bool full = false;
    while (r.index > 0 && count < wire::kMaxMessagesPerFrame) {
      if (r.id < tx.base_id) break;
      const OutMsg& m = tx.msgs[r.id - tx.base_id];
      if (m.acked) break;
      if (w.remaining() < wire::varint_size(m.size) + m.size) {
        full = true;
        break;
      }
      w.varint(m.size);
      w.bytes({m.data, m.size});
      counters_.bytes_retransmitted += m.size;
      ++count;
      ++r.id;
      --r.index;
    }
    *count_pos = std::byte(count);
    log.record_frame({first_id, count, r.lane, RefKind::messages});
    counters_.retransmitted += count;
    if (full) return false;
  }
  return true;
}

bool SendLanes::write_retransmissions(wire::Writer& w, LaneTx& tx, std::int64_t& deficit, LossRecovery& log) {
  const std::size_t start = w.size();
  bool fits = true;
  while (fits && !tx.rtx.empty() && deficit > static_cast<std::int64_t>(w.size() - start)) {
    FrameRef& r = tx.rtx.front();
    fits = r.kind == RefKind::fragment ? resend_fragment(w, tx, r, log) : resend_messages(w, tx, r, log);
    if (fits) tx.rtx.pop_front();
  }
  deficit -= static_cast<std::int64_t>(w.size() - start);
  return fits;
}

// Adds the lane's next message, sent whole, to the open MESSAGES frame (opening one if
// needed); false if it does not fit.
// Sends the next fragment of the lane's next message; false if it does not fit.
bool SendLanes::write_next_fragment(wire::Writer& w, std::size_t lane, std::int64_t& deficit,
                                    LossRecovery& log) {
  auto& tx = tx_[lane];
  const std::uint64_t id = tx.send_pos;
  OutMsg& m = tx.msgs[id - tx.base_id];
  const std::size_t off = std::size_t{m.next_frag} * chunk_;
  const std::size_t len = std::min<std::size_t>(chunk_, m.size - off);
  if (w.remaining() < wire::kFragmentHeaderSize + len) return false;
  wire::write_fragment_header(w, static_cast<std::uint8_t>(lane), static_cast<std::uint32_t>(id), m.size,
                              static_cast<std::uint16_t>(chunk_), m.next_frag);
  w.bytes({m.data + off, len});
  if (tx.reliable) log.record_frame({id, m.next_frag, static_cast<std::uint8_t>(lane), RefKind::fragment});
  if (++m.next_frag == m.frag_count) ++tx.send_pos;
  deficit -= static_cast<std::int64_t>(wire::kFragmentHeaderSize + len);
  return true;
}

bool SendLanes::write_from_lane(wire::Writer& w, std::size_t lane, std::int64_t& deficit, LossRecovery& log) {
  auto& tx = tx_[lane];
  if (!tx.rtx.empty() && !write_retransmissions(w, tx, deficit, log)) return false;
  // Whole messages go into one MESSAGES frame while they fit. This loop is the per-message
  // path of a stream of small messages: the open frame lives in locals, not in a struct
  // passed to a helper, which measurably slowed it (docs/BENCHMARKS.md).
  std::byte* count_pos = nullptr;
  std::uint32_t count = 0;
  std::uint64_t first_id = 0;
  auto close_frame = [&] {
    if (!count_pos) return;
    *count_pos = std::byte(count);
    if (tx.reliable) log.record_frame({first_id, count, static_cast<std::uint8_t>(lane), RefKind::messages});
    count_pos = nullptr;
  };
  bool fits = true;
  while (deficit > 0 && has_new_data(tx)) {
    const std::uint64_t id = tx.send_pos;
    OutMsg& m = tx.msgs[id - tx.base_id];
    if (m.frag_count == 0) {
      const std::size_t need = wire::varint_size(m.size) + m.size;
      if (!count_pos || count == wire::kMaxMessagesPerFrame || w.remaining() < need) {
        close_frame();
        if (w.remaining() < wire::kMessagesHeaderSize + need) {
          fits = false;
          break;
        }
        count_pos =
            wire::write_messages_header(w, static_cast<std::uint8_t>(lane), static_cast<std::uint32_t>(id));
        first_id = id;
        count = 0;
      }
      w.varint(m.size);
      w.bytes({m.data, m.size});
      ++count;
      ++tx.send_pos;
      deficit -= static_cast<std::int64_t>(need);
    } else {
      close_frame();
      if (!write_next_fragment(w, lane, deficit, log)) {
        fits = false;
        break;
      }
    }
    if (tx.reliable && !m.counted) {
      m.counted = true;
      outstanding_ += wire::footprint(m.size);
    }
  }
  close_frame();
  if (!tx.reliable) {
    while (!tx.msgs.empty() && tx.base_id < tx.send_pos) {
      release(tx.msgs.front());
      tx.msgs.pop_front();
      ++tx.base_id;
    }
  }
  return fits;
}

void SendLanes::write(wire::Writer& w, LossRecovery& log) {
  for (std::size_t g = 0; g < prio_groups_.size(); ++g) {
    const auto& lanes = prio_groups_[g];
    const std::size_t n = lanes.size();
    for (;;) {
      bool any = false;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t at = (rr_cursor_[g] + k) % n;
        auto& tx = tx_[lanes[at]];
        if (!has_sendable(tx)) {
          tx.deficit = 0;
          continue;
        }
        any = true;
        if (tx.deficit <= 0) tx.deficit += kQuantum * tx.cfg.weight;
        if (!write_from_lane(w, lanes[at], tx.deficit, log)) {
          rr_cursor_[g] = at;
          return;
        }
      }
      if (!any) break;
    }
  }
}

bool SendLanes::pacing_allows(Time now, double rate) {
  if (rate <= 0) return true;
  const double burst = std::max(16.0 * max_datagram_, rate * 0.001);
  if (now > pacing_stamp_) {
    pacing_tokens_ = std::min(burst, pacing_tokens_ + rate * to_seconds(now - pacing_stamp_));
    pacing_stamp_ = now;
  }
  return pacing_tokens_ > 0;
}

Time SendLanes::pacing_ready(Time now, double rate) const {
  if (rate <= 0 || pacing_tokens_ > 0) return now;
  return pacing_stamp_ + from_seconds((1.0 - pacing_tokens_) / rate);
}

void SendLanes::on_frame_acked(const FrameRef& r) {
  auto& tx = tx_[r.lane];
  if (r.kind == RefKind::messages) {
    for (std::uint32_t k = 0; k < r.index; ++k) {
      const std::uint64_t id = r.id + k;
      if (id < tx.base_id || tx.msgs[id - tx.base_id].acked) continue;
      tx.msgs[id - tx.base_id].acked = true;
      ++frames_acked_;
    }
  } else {
    if (r.id < tx.base_id) return;
    OutMsg& m = tx.msgs[r.id - tx.base_id];
    if (m.acked || test_bit(m.frag_acked.get(), r.index)) return;
    set_bit(m.frag_acked.get(), r.index);
    ++frames_acked_;
    if (++m.frags_acked == m.frag_count) m.acked = true;
  }
  pop_acked(tx);
}

void SendLanes::pop_acked(LaneTx& tx) {
  while (!tx.msgs.empty() && tx.msgs.front().acked) {
    OutMsg& m = tx.msgs.front();
    if (m.counted) outstanding_ -= wire::footprint(m.size);
    release(m);
    tx.msgs.pop_front();
    ++tx.base_id;
  }
}

void SendLanes::discard_all() {
  for (auto& tx : tx_) {
    while (!tx.msgs.empty()) {
      release(tx.msgs.front());
      tx.msgs.pop_front();
    }
    tx.rtx.clear();
  }
  outstanding_ = 0;
}

bool SendLanes::all_acked() const {
  for (const auto& tx : tx_)
    if (!tx.msgs.empty()) return false;
  return true;
}

std::uint64_t SendLanes::unsent_messages() const {
  std::uint64_t n = 0;
  for (const auto& tx : tx_) n += tx.next_id() - tx.send_pos;
  return n;
}

}  // namespace gs::channel
