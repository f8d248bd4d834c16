// The receiver's half of acknowledgement: which packet numbers arrived (a sliding
// window that also finds duplicates), when an ACK is owed, and the ACK frame itself.
// Sans-IO: time is passed in.
#pragma once

#include <cstdint>
#include <vector>

#include "channel/config.hpp"
#include "channel/wire.hpp"

namespace gs::channel {

class AckTracker {
 public:
  // Packets remembered for duplicate detection; older ones are dropped unread.
  static constexpr std::uint64_t kRecvWindow = 4096;
  // Ack-eliciting packets acknowledged at once.
  static constexpr std::uint32_t kAckEvery = 2;

  explicit AckTracker(std::uint64_t first_sequence);

  // The full packet number of a received 32-bit one.
  std::uint64_t expand(std::uint32_t wire_pn) const {
    return wire::expand(any_ ? largest_ : first_sequence_, wire_pn);
  }
  // Behind the window: too old to tell whether it is a duplicate.
  bool too_old(std::uint64_t pn) const { return any_ && pn + kRecvWindow <= largest_; }
  bool already_received(std::uint64_t pn) const;
  // The next packet after the largest received (or the first packet at all).
  bool in_order(std::uint64_t pn) const { return !any_ || pn == largest_ + 1; }
  void record_received(std::uint64_t pn, Time now);

  // An ack-eliciting packet was accepted: an ACK is owed, at once if it came out of order.
  void on_eliciting(bool in_order, Time now, Duration max_ack_delay);
  // An ack-eliciting duplicate came: our ACK may have been lost, so one is owed now.
  void on_eliciting_duplicate();

  // An ACK must go out now.
  bool ack_due(Time now) const {
    return owed() && (ack_now_ || unacked_eliciting_ >= kAckEvery || now >= ack_deadline_);
  }
  // An ACK rides along in the next packet: while the peer sends ack-eliciting packets
  // (a lost ACK is repaired by the next packet); a peer that only sends ACKs gets none.
  bool ack_wanted(Time now, Duration srtt) const {
    return any_ && (unacked_eliciting_ > 0 || now - last_eliciting_ <= 2 * srtt);
  }
  // An ACK is owed without waiting for its deadline.
  bool ack_immediate() const { return owed() && (ack_now_ || unacked_eliciting_ >= kAckEvery); }
  // When an owed ACK must go out at the latest (Time::max() if none is owed).
  Time ack_deadline() const { return owed() ? ack_deadline_ : Time::max(); }

  // Writes an ACK frame of at most wire::kMaxAckFrameSize bytes.
  void write_ack(wire::Writer& w, Time now) const;
  // A packet carrying the ACK written last went out: nothing is owed any more.
  void on_ack_sent();

 private:
  bool owed() const { return any_ && unacked_eliciting_ > 0; }
  // Consecutive packet numbers from `pos` downwards, not below `floor`, whose bit is `set`.
  std::uint64_t run(std::uint64_t pos, bool set, std::uint64_t floor) const;

  std::uint64_t first_sequence_;
  bool any_ = false;
  std::uint64_t largest_ = 0;
  Time largest_time_{};
  std::uint64_t first_ = 0;
  std::uint64_t lowest_unreported_ = ~std::uint64_t{0};  // lowest packet received since the last ACK
  std::vector<std::uint64_t> bits_;                      // bit per packet number, modulo kRecvWindow
  std::uint32_t unacked_eliciting_ = 0;
  bool ack_now_ = false;
  Time ack_deadline_ = Time::max();
  Time last_eliciting_{};
};

}  // namespace gs::channel
