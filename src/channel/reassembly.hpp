// The receiver's buffers: messages and fragments per lane, put back together and handed
// out in each lane's order, with the memory they take charged to reassembly_cap and to
// a ReassemblyBudget shared with other channels; incomplete unreliable messages expire.
// Sans-IO: time is passed in. It never closes the channel: it says what the peer did
// (Outcome) and the channel decides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "channel/budget.hpp"
#include "channel/config.hpp"
#include "channel/wire.hpp"

namespace gs::channel {

// Receives the messages reassembly completes.
class MessageSink {
 public:
  // A complete message; `message` is valid only during the call.
  virtual void deliver(std::size_t lane, std::span<const std::byte> message, Time now) = 0;
  // False once the channel takes no more data (a delivery may have closed it).
  virtual bool taking_data() const = 0;

 protected:
  ~MessageSink() = default;
};

class Reassembly {
 public:
  // Incomplete unreliable messages held per lane at most; the oldest goes first.
  static constexpr std::size_t kMaxUnreliablePartials = 8;
  // Received parts of a message are stored in segments of about this many bytes (a
  // whole number of parts), so a lone part holds one segment, not the whole message.
  static constexpr std::uint32_t kSegmentBytes = 16 * 1024;

  enum class Outcome : std::uint8_t {
    ok,              // taken, or ignored as old or already had
    unacked,         // the shared budget is exhausted: drop the packet unacknowledged
    protocol_error,  // the peer broke the protocol
    overflow,        // the peer exceeded reassembly_cap
  };
  struct Counters {
    std::uint64_t dropped_unreliable_fragments = 0;  // expired or evicted unreliable parts
  };

  // `budget`, if given, must outlive this.
  Reassembly(const ChannelConfig& config, ReassemblyBudget* budget, MessageSink& sink);
  ~Reassembly();
  Reassembly(const Reassembly&) = delete;
  Reassembly& operator=(const Reassembly&) = delete;

  // A message of a MESSAGES frame, or a part of a FRAGMENT frame.
  Outcome on_message(const wire::Frame& f, Time now);
  Outcome on_fragment(const wire::Frame& f, Time now);

  // Frees every buffer: the channel takes no more data.
  void release_all();

  // Incomplete unreliable messages expire fragment_timeout after their first part.
  bool has_unreliable_partials() const { return unreliable_partials_ > 0; }
  void expire_fragments(Time now);
  Time next_expiry() const;

  // A reliable message still incomplete (or waiting for its turn) after `timeout`
  // means the sender stopped; it is looked for at sweep_at(). True if one is found:
  // the channel must close (its parts were acknowledged and will never come again).
  Time sweep_at() const { return sweep_at_; }
  bool sweep_reliable(Time now);

  std::uint64_t buffered_bytes() const { return buffered_; }
  std::uint64_t held_bytes() const { return held_; }
  const Counters& counters() const { return counters_; }

 private:
  // A message held by the receiver: whole (early on an ordered lane) or in parts.
  // Parts are stored in segments allocated as they arrive, so memory follows what
  // was received, not the size the first part announces.
  struct Pending {
    std::unique_ptr<std::byte[]> data;                   // the whole message, when it is in one piece
    std::vector<std::unique_ptr<std::byte[]>> segments;  // parts, seg_frags per segment
    std::vector<std::uint64_t> have;
    std::uint32_t size = 0;
    std::uint32_t frag_count = 0;
    std::uint32_t frags = 0;
    std::uint32_t chunk = 0;
    std::uint32_t seg_frags = 0;
    std::uint64_t charged = 0;  // counted against reassembly_cap (the message's footprint)
    std::uint64_t held = 0;     // heap bytes really held, charged to the budget
    Time first_seen{};
    bool complete = false;
    std::span<const std::byte> bytes() const {
      return {data ? data.get() : segments.empty() ? nullptr : segments[0].get(), size};
    }
  };
  struct LaneRx {
    LaneKind kind = LaneKind::reliable_ordered;
    std::uint64_t next = 0;                // ordered/unordered: lowest undelivered; sequenced: newest+1
    std::uint64_t highest = 0;             // unreliable: reference for id expansion
    std::vector<std::uint64_t> delivered;  // unordered: window bitmap
    std::unordered_map<std::uint64_t, Pending> pending;
    std::uint64_t bucket_held = 0;  // heap of pending's bucket array, charged as held
  };
  // A held message's hash-map node (the Pending and its key, behind a next pointer).
  static constexpr std::size_t kEntryNodeBytes =
      sizeof(void*) + sizeof(std::pair<const std::uint64_t, Pending>);
  enum class Charge : std::uint8_t { ok, overflow, budget };

  Outcome on_ordered_message(std::size_t lane, std::uint64_t id, std::span<const std::byte> msg, Time now);
  Outcome fragment_id(LaneRx& rx, std::uint32_t wire_id, std::uint64_t& id, bool& skip);
  Outcome find_partial(LaneRx& rx, std::uint64_t id, const wire::Frame& f, Time now, Pending*& out);
  Outcome start_partial(LaneRx& rx, std::uint64_t id, std::uint32_t total, std::uint32_t chunk, Time now,
                        Pending*& out);
  Outcome add_part(LaneRx& rx, Pending& p, std::uint32_t index, std::span<const std::byte> data);
  void complete(std::size_t lane, std::uint64_t id, Pending& p, Time now);
  bool store_part(Pending& p, std::uint32_t index, std::span<const std::byte> data);
  void assemble(Pending& p);
  void deliver_ordered(std::size_t lane, Time now);
  void mark_unordered_delivered(LaneRx& rx, std::uint64_t id);
  bool unordered_delivered(const LaneRx& rx, std::uint64_t id) const;
  Charge charge(std::uint64_t footprint, std::uint64_t held);
  bool hold(std::uint64_t held);
  void release_held(std::uint64_t held);
  void uncharge(const Pending& p);
  void erase_pending(LaneRx& rx, std::uint64_t id);
  template <class Pred>
  std::uint64_t erase_unreliable_if(LaneRx& rx, Pred pred);
  void drop_before_next(LaneRx& rx);
  void account_buckets(LaneRx& rx);
  void give_back_buckets(LaneRx& rx);
  bool make_room_unreliable(LaneRx& rx, std::uint64_t need);
  void note_reliable_held(Time now);

  MessageSink& sink_;
  ReassemblyBudget* budget_;
  std::uint32_t max_message_;
  std::uint64_t cap_;
  Duration fragment_timeout_;
  Duration timeout_;
  std::vector<LaneRx> rx_;
  std::uint64_t buffered_ = 0;   // charged to reassembly_cap
  std::uint64_t held_ = 0;       // heap bytes of the buffers (taken from budget_)
  Time sweep_at_ = Time::max();  // next look for reliable messages left incomplete
  std::size_t unreliable_partials_ = 0;
  Counters counters_;
};

}  // namespace gs::channel
