#include "channel/reassembly.hpp"

#include <algorithm>
#include <cstring>

#include "channel/bits.hpp"

namespace gs::channel {

namespace {

// Heap bytes an allocation of n bytes really takes with glibc malloc: an 8-byte header,
// 16-byte granules, 32 bytes at least.
constexpr std::uint64_t heap_cost(std::uint64_t n) {
  return n == 0 ? 0 : std::max<std::uint64_t>(32, (n + 8 + 15) & ~std::uint64_t{15});
}

}  // namespace

Reassembly::Reassembly(const ChannelConfig& config, ReassemblyBudget* budget, MessageSink& sink)
    : sink_(sink),
      budget_(budget),
      max_message_(config.max_message),
      cap_(config.reassembly_cap),
      fragment_timeout_(config.fragment_timeout),
      timeout_(config.timeout),
      rx_(config.lanes.size()) {
  for (std::size_t i = 0; i < rx_.size(); ++i) {
    rx_[i].kind = config.lanes[i].kind;
    rx_[i].next = rx_[i].highest = config.first_sequence;
    if (rx_[i].kind == LaneKind::reliable_unordered) rx_[i].delivered.assign(wire::kMessageWindow / 64, 0);
  }
}

Reassembly::~Reassembly() {
  if (budget_ && held_) budget_->release(held_);
}

// ---------------------------------------------------------------------------------
// Memory

Reassembly::Charge Reassembly::charge(std::uint64_t footprint_bytes, std::uint64_t held) {
  if (buffered_ + footprint_bytes > cap_) return Charge::overflow;
  if (!hold(held)) return Charge::budget;
  buffered_ += footprint_bytes;
  return Charge::ok;
}

// More heap for a held message; false if the shared budget cannot give it.
bool Reassembly::hold(std::uint64_t held) {
  if (budget_ && !budget_->try_acquire(held)) return false;
  held_ += held;
  return true;
}

void Reassembly::release_held(std::uint64_t held) {
  held_ -= held;
  if (budget_) budget_->release(held);
}

void Reassembly::uncharge(const Pending& p) {
  buffered_ -= p.charged;
  release_held(p.held);
}

// The bucket array of a lane's hash map is heap the peer made this end take: charged
// as it grows (it grows inside an admitted insertion, so it may pass the budget by one
// array) and released when the map gives it back.
void Reassembly::account_buckets(LaneRx& rx) {
  const std::size_t buckets = rx.pending.bucket_count();
  const std::uint64_t bytes = buckets > 1 ? heap_cost(buckets * sizeof(void*)) : 0;
  if (bytes > rx.bucket_held) {
    if (budget_) budget_->acquire(bytes - rx.bucket_held);
    held_ += bytes - rx.bucket_held;
  } else {
    release_held(rx.bucket_held - bytes);
  }
  rx.bucket_held = bytes;
}

// An emptied hash map keeps its bucket array: give it back, so a lane holding nothing
// holds no heap (and the budget returns to zero).
void Reassembly::give_back_buckets(LaneRx& rx) {
  if (!rx.pending.empty() || rx.bucket_held == 0) return;
  decltype(rx.pending)().swap(rx.pending);
  account_buckets(rx);
}

void Reassembly::erase_pending(LaneRx& rx, std::uint64_t id) {
  auto it = rx.pending.find(id);
  if (it == rx.pending.end()) return;
  uncharge(it->second);
  if (!is_reliable(rx.kind)) --unreliable_partials_;
  rx.pending.erase(it);
  give_back_buckets(rx);
}

// Drops the incomplete messages of an unreliable lane that `pred` picks; returns how many.
template <class Pred>
std::uint64_t Reassembly::erase_unreliable_if(LaneRx& rx, Pred pred) {
  std::uint64_t n = 0;
  for (auto it = rx.pending.begin(); it != rx.pending.end();) {
    if (pred(it->first, it->second)) {
      uncharge(it->second);
      --unreliable_partials_;
      it = rx.pending.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

// A sequenced lane moved on: older incomplete messages will never be delivered.
void Reassembly::drop_before_next(LaneRx& rx) {
  erase_unreliable_if(rx, [&](std::uint64_t id, const Pending&) { return id < rx.next; });
}

void Reassembly::release_all() {
  for (auto& rx : rx_) {
    for (auto& [id, p] : rx.pending) uncharge(p);
    decltype(rx.pending)().swap(rx.pending);
    account_buckets(rx);
  }
  unreliable_partials_ = 0;
  sweep_at_ = Time::max();
}

bool Reassembly::make_room_unreliable(LaneRx& rx, std::uint64_t need) {
  while (!rx.pending.empty() && (rx.pending.size() >= kMaxUnreliablePartials || buffered_ + need > cap_)) {
    auto oldest = rx.pending.begin();
    for (auto it = rx.pending.begin(); it != rx.pending.end(); ++it)
      if (it->second.first_seen < oldest->second.first_seen) oldest = it;
    ++counters_.dropped_unreliable_fragments;
    uncharge(oldest->second);
    --unreliable_partials_;
    rx.pending.erase(oldest);
  }
  give_back_buckets(rx);
  return buffered_ + need <= cap_;
}

// ---------------------------------------------------------------------------------
// Timers

void Reassembly::expire_fragments(Time now) {
  for (auto& rx : rx_) {
    if (is_reliable(rx.kind)) continue;
    counters_.dropped_unreliable_fragments += erase_unreliable_if(
        rx, [&](std::uint64_t, const Pending& p) { return p.first_seen + fragment_timeout_ <= now; });
    give_back_buckets(rx);
  }
}

Time Reassembly::next_expiry() const {
  Time t = Time::max();
  if (unreliable_partials_ == 0) return t;
  for (const auto& rx : rx_) {
    if (is_reliable(rx.kind)) continue;
    for (const auto& [id, p] : rx.pending) t = std::min(t, p.first_seen + fragment_timeout_);
  }
  return t;
}

// A reliable message waits until it is complete and its turn comes. A correct sender
// resends every missing part within a few PTOs, so one still held after `timeout` means
// the sender stopped. Looked for at most 8 times per `timeout`.
void Reassembly::note_reliable_held(Time now) {
  if (sweep_at_ == Time::max()) sweep_at_ = now + timeout_;
}

bool Reassembly::sweep_reliable(Time now) {
  Time oldest = Time::max();
  for (const auto& rx : rx_) {
    if (!is_reliable(rx.kind)) continue;
    for (const auto& [id, p] : rx.pending) oldest = std::min(oldest, p.first_seen);
  }
  if (oldest == Time::max()) {
    sweep_at_ = Time::max();
    return false;
  }
  if (oldest + timeout_ <= now) return true;
  sweep_at_ = std::max(oldest + timeout_, now + timeout_ / 8);
  return false;
}

// ---------------------------------------------------------------------------------
// Whole messages

bool Reassembly::unordered_delivered(const LaneRx& rx, std::uint64_t id) const {
  return id < rx.next || test_bit(rx.delivered.data(), id % wire::kMessageWindow);
}

void Reassembly::mark_unordered_delivered(LaneRx& rx, std::uint64_t id) {
  set_bit(rx.delivered.data(), id % wire::kMessageWindow);
  while (test_bit(rx.delivered.data(), rx.next % wire::kMessageWindow)) {
    clear_bit(rx.delivered.data(), rx.next % wire::kMessageWindow);
    ++rx.next;
  }
}

void Reassembly::deliver_ordered(std::size_t lane, Time now) {
  auto& rx = rx_[lane];
  while (!rx.pending.empty() && sink_.taking_data()) {
    auto it = rx.pending.find(rx.next);
    if (it == rx.pending.end() || !it->second.complete) return;
    Pending p = std::move(it->second);
    rx.pending.erase(it);
    uncharge(p);
    give_back_buckets(rx);
    ++rx.next;
    sink_.deliver(lane, p.bytes(), now);
  }
}

Reassembly::Outcome Reassembly::on_ordered_message(std::size_t lane, std::uint64_t id,
                                                   std::span<const std::byte> msg, Time now) {
  auto& rx = rx_[lane];
  if (id < rx.next) return Outcome::ok;
  if (id - rx.next >= wire::kMessageWindow) return Outcome::protocol_error;
  if (id == rx.next) {
    if (!rx.pending.empty()) erase_pending(rx, id);  // a peer sent it both ways
    ++rx.next;
    sink_.deliver(lane, msg, now);
    deliver_ordered(lane, now);
    return Outcome::ok;
  }
  if (rx.pending.contains(id)) return Outcome::ok;
  const std::uint64_t held = heap_cost(kEntryNodeBytes) + heap_cost(msg.size());
  switch (charge(wire::footprint(msg.size()), held)) {
    case Charge::overflow: return Outcome::overflow;
    case Charge::budget: return Outcome::unacked;
    case Charge::ok: break;
  }
  Pending p;
  if (!msg.empty()) {  // an empty message needs no buffer
    p.data = std::make_unique_for_overwrite<std::byte[]>(msg.size());
    std::memcpy(p.data.get(), msg.data(), msg.size());
  }
  p.size = static_cast<std::uint32_t>(msg.size());
  p.complete = true;
  p.charged = wire::footprint(msg.size());
  p.held = held;
  p.first_seen = now;
  rx.pending.emplace(id, std::move(p));
  account_buckets(rx);
  note_reliable_held(now);
  return Outcome::ok;
}

Reassembly::Outcome Reassembly::on_message(const wire::Frame& f, Time now) {
  if (f.lane >= rx_.size() || f.bytes.size() > max_message_) return Outcome::protocol_error;
  auto& rx = rx_[f.lane];
  switch (rx.kind) {
    case LaneKind::reliable_ordered:
      return on_ordered_message(f.lane, wire::expand(rx.next, f.id), f.bytes, now);
    case LaneKind::reliable_unordered: {
      const std::uint64_t id = wire::expand(rx.next, f.id);
      if (id < rx.next) return Outcome::ok;
      if (id - rx.next >= wire::kMessageWindow) return Outcome::protocol_error;
      if (unordered_delivered(rx, id)) return Outcome::ok;
      if (!rx.pending.empty()) erase_pending(rx, id);
      mark_unordered_delivered(rx, id);
      break;
    }
    case LaneKind::unreliable_sequenced: {
      const std::uint64_t id = wire::expand(rx.next, f.id);
      if (id < rx.next) return Outcome::ok;
      rx.next = id + 1;
      drop_before_next(rx);
      give_back_buckets(rx);
      break;
    }
    case LaneKind::unreliable: rx.highest = std::max(rx.highest, wire::expand(rx.highest, f.id)); break;
  }
  sink_.deliver(f.lane, f.bytes, now);
  return Outcome::ok;
}

// ---------------------------------------------------------------------------------
// Fragments

// The full id of a fragment's message; `skip` if the message needs nothing more.
Reassembly::Outcome Reassembly::fragment_id(LaneRx& rx, std::uint32_t wire_id, std::uint64_t& id,
                                            bool& skip) {
  if (rx.kind == LaneKind::unreliable) {
    id = wire::expand(rx.highest, wire_id);
    rx.highest = std::max(rx.highest, id);
    return Outcome::ok;
  }
  id = wire::expand(rx.next, wire_id);
  skip = id < rx.next;
  if (skip) return Outcome::ok;
  if (is_reliable(rx.kind) && id - rx.next >= wire::kMessageWindow) return Outcome::protocol_error;
  skip = rx.kind == LaneKind::reliable_unordered && unordered_delivered(rx, id);
  return Outcome::ok;
}

// Admits a message's first part. Its footprint counts against reassembly_cap at once, as
// the sender's flow control counted it; its heap is only the bookkeeping for now, and
// each segment is charged when its first part arrives (store_part).
Reassembly::Outcome Reassembly::start_partial(LaneRx& rx, std::uint64_t id, std::uint32_t total,
                                              std::uint32_t chunk, Time now, Pending*& out) {
  const bool reliable = is_reliable(rx.kind);
  const std::uint64_t need = wire::footprint(total);
  Pending p;
  p.size = total;
  p.chunk = chunk;
  p.frag_count = static_cast<std::uint32_t>((std::uint64_t{total} + chunk - 1) / chunk);
  p.seg_frags = std::max<std::uint32_t>(1, kSegmentBytes / chunk);
  const std::uint32_t segments = (p.frag_count + p.seg_frags - 1) / p.seg_frags;
  const std::uint32_t words = (p.frag_count + 63) / 64;
  const std::uint64_t held = heap_cost(kEntryNodeBytes) +
                             heap_cost(std::uint64_t{words} * sizeof(std::uint64_t)) +
                             heap_cost(std::uint64_t{segments} * sizeof(std::unique_ptr<std::byte[]>));
  if (!reliable && !make_room_unreliable(rx, need)) {
    ++counters_.dropped_unreliable_fragments;
    return Outcome::ok;
  }
  const Charge charged = charge(need, held);
  if (charged != Charge::ok && !reliable) {
    ++counters_.dropped_unreliable_fragments;
    return Outcome::ok;
  }
  if (charged == Charge::overflow) return Outcome::overflow;
  if (charged == Charge::budget) return Outcome::unacked;
  p.have.assign(words, 0);
  p.segments.resize(segments);
  p.charged = need;
  p.held = held;
  p.first_seen = now;
  out = &rx.pending.emplace(id, std::move(p)).first->second;
  account_buckets(rx);
  if (reliable) {
    note_reliable_held(now);
  } else {
    ++unreliable_partials_;
  }
  return Outcome::ok;
}

// The incomplete message a part belongs to, started if this is its first part; `out`
// stays null if the part is not to be stored.
Reassembly::Outcome Reassembly::find_partial(LaneRx& rx, std::uint64_t id, const wire::Frame& f, Time now,
                                             Pending*& out) {
  auto it = rx.pending.find(id);
  if (it == rx.pending.end()) return start_partial(rx, id, f.total, f.chunk, now, out);
  if (it->second.complete) return Outcome::ok;
  if (it->second.size != f.total || it->second.chunk != f.chunk) return Outcome::protocol_error;
  out = &it->second;
  return Outcome::ok;
}

// Copies part `index` into its segment, allocating (and charging) the segment first if
// this is its first part; false if the budget cannot give it.
bool Reassembly::store_part(Pending& p, std::uint32_t index, std::span<const std::byte> data) {
  const std::uint32_t s = index / p.seg_frags;
  const std::size_t begin = std::size_t{s} * p.seg_frags * p.chunk;
  auto& segment = p.segments[s];
  if (!segment) {
    const std::size_t len = std::min<std::size_t>(std::size_t{p.seg_frags} * p.chunk, p.size - begin);
    if (!hold(heap_cost(len))) return false;
    p.held += heap_cost(len);
    segment = std::make_unique_for_overwrite<std::byte[]>(len);  // every byte gets written
  }
  std::memcpy(segment.get() + (std::size_t{index} * p.chunk - begin), data.data(), data.size());
  return true;
}

Reassembly::Outcome Reassembly::add_part(LaneRx& rx, Pending& p, std::uint32_t index,
                                         std::span<const std::byte> data) {
  if (test_bit(p.have.data(), index)) return Outcome::ok;
  if (!store_part(p, index, data)) {
    if (is_reliable(rx.kind)) return Outcome::unacked;
    ++counters_.dropped_unreliable_fragments;
    return Outcome::ok;
  }
  set_bit(p.have.data(), index);
  ++p.frags;
  return Outcome::ok;
}

// Makes a complete message one piece (a message of one segment already is) and gives
// back the bookkeeping of its parts.
void Reassembly::assemble(Pending& p) {
  const std::uint64_t before = p.held;
  decltype(p.have)().swap(p.have);
  p.held = heap_cost(kEntryNodeBytes) + heap_cost(p.size);
  if (p.segments.size() == 1) {
    p.held += heap_cost(sizeof(std::unique_ptr<std::byte[]>));
  } else {
    p.data = std::make_unique_for_overwrite<std::byte[]>(p.size);
    const std::size_t segment_bytes = std::size_t{p.seg_frags} * p.chunk;
    for (std::size_t s = 0, at = 0; s < p.segments.size(); ++s, at += segment_bytes)
      std::memcpy(p.data.get() + at, p.segments[s].get(), std::min<std::size_t>(segment_bytes, p.size - at));
    decltype(p.segments)().swap(p.segments);
  }
  release_held(before - p.held);
}

// The last part of a message came: deliver it, now or (ordered lane) in its turn.
void Reassembly::complete(std::size_t lane, std::uint64_t id, Pending& p, Time now) {
  auto& rx = rx_[lane];
  p.complete = true;
  assemble(p);
  if (rx.kind == LaneKind::reliable_ordered) {
    deliver_ordered(lane, now);
    return;
  }
  if (rx.kind == LaneKind::reliable_unordered) mark_unordered_delivered(rx, id);
  Pending done = std::move(p);
  rx.pending.erase(id);
  uncharge(done);
  if (!is_reliable(rx.kind)) --unreliable_partials_;
  if (rx.kind == LaneKind::unreliable_sequenced) {
    rx.next = id + 1;
    drop_before_next(rx);
  }
  give_back_buckets(rx);
  sink_.deliver(lane, done.bytes(), now);
}

Reassembly::Outcome Reassembly::on_fragment(const wire::Frame& f, Time now) {
  if (f.lane >= rx_.size() || f.total > max_message_) return Outcome::protocol_error;
  auto& rx = rx_[f.lane];
  std::uint64_t id = 0;
  bool skip = false;
  if (const Outcome o = fragment_id(rx, f.id, id, skip); o != Outcome::ok || skip) return o;
  Pending* p = nullptr;
  if (const Outcome o = find_partial(rx, id, f, now, p); p == nullptr) return o;
  const Outcome added = add_part(rx, *p, f.index, f.bytes);
  if (added != Outcome::ok || p->frags < p->frag_count) return added;
  complete(f.lane, id, *p, now);
  return Outcome::ok;
}

}  // namespace gs::channel
