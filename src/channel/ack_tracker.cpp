#include "channel/ack_tracker.hpp"

#include <algorithm>
#include <bit>

#include "channel/bits.hpp"

namespace gs::channel {

AckTracker::AckTracker(std::uint64_t first_sequence)
    : first_sequence_(first_sequence), bits_(kRecvWindow / 64, 0) {}

bool AckTracker::already_received(std::uint64_t pn) const {
  if (!any_ || pn > largest_) return false;
  return test_bit(bits_.data(), pn % kRecvWindow);
}

void AckTracker::record_received(std::uint64_t pn, Time now) {
  if (!any_ || pn < first_) first_ = pn;
  if (!any_ || pn > largest_) {
    if (any_) {
      const std::uint64_t shift = pn - largest_;
      if (shift >= kRecvWindow) {
        std::fill(bits_.begin(), bits_.end(), 0);
      } else {
        for (std::uint64_t q = largest_ + 1; q < pn; ++q) clear_bit(bits_.data(), q % kRecvWindow);
      }
    }
    largest_ = pn;
    largest_time_ = now;
    any_ = true;
  }
  lowest_unreported_ = std::min(lowest_unreported_, pn);
  set_bit(bits_.data(), pn % kRecvWindow);
}

void AckTracker::on_eliciting(bool in_order, Time now, Duration max_ack_delay) {
  last_eliciting_ = now;
  ++unacked_eliciting_;
  if (!in_order) ack_now_ = true;
  if (ack_deadline_ == Time::max()) ack_deadline_ = now + max_ack_delay;
}

void AckTracker::on_eliciting_duplicate() {
  ack_now_ = true;
  if (unacked_eliciting_ == 0) unacked_eliciting_ = 1;
}

void AckTracker::on_ack_sent() {
  unacked_eliciting_ = 0;
  ack_now_ = false;
  ack_deadline_ = Time::max();
  lowest_unreported_ = ~std::uint64_t{0};
}

// A 64-bit word at a time (bit by bit this was a tenth of a small packet's cost).
std::uint64_t AckTracker::run(std::uint64_t pos, bool set, std::uint64_t floor) const {
  std::uint64_t n = 0;
  while (pos - n >= floor) {
    const std::uint64_t at = pos - n;
    const std::uint64_t i = at % kRecvWindow;
    const unsigned below = static_cast<unsigned>(i & 63) + 1;  // bits i&63 .. 0 of its word
    const std::uint64_t left = at - floor + 1;                 // positions from `at` down to floor
    const std::uint64_t word = set ? bits_[i >> 6] : ~bits_[i >> 6];
    const std::uint64_t same = std::min<std::uint64_t>(
        {static_cast<std::uint64_t>(std::countl_one(word << (64 - below))), below, left});
    n += same;
    if (same < below || same == left) break;  // the run ended, or reached floor
  }
  return n;
}

void AckTracker::write_ack(wire::Writer& w, Time now) const {
  const std::uint64_t largest = largest_;
  std::uint64_t floor = largest >= kRecvWindow - 1 ? largest - (kRecvWindow - 1) : 0;
  floor = std::max(floor, first_);
  floor = std::max(floor, std::min(lowest_unreported_,
                                   largest >= wire::kAckRedundancy ? largest - wire::kAckRedundancy : 0));
  auto delay = std::chrono::duration_cast<std::chrono::microseconds>(now - largest_time_).count() /
               wire::kAckDelayUnitUs;
  const std::size_t start = w.size();
  w.u8(static_cast<std::uint8_t>(wire::FrameType::ack));
  w.u32(static_cast<std::uint32_t>(largest));
  w.u16(static_cast<std::uint16_t>(std::clamp<std::int64_t>(delay, 0, 0xffff)));
  std::byte* count_pos = w.position();
  w.u8(0);
  const std::uint64_t first = run(largest, true, floor);
  w.varint(static_cast<std::uint32_t>(first - 1));
  std::uint64_t smallest = largest - (first - 1);
  std::uint8_t count = 0;
  while (count < wire::kMaxAckRanges && smallest > floor) {
    const std::uint64_t gap = run(smallest - 1, false, floor);
    if (gap == 0 || smallest - gap <= floor) break;
    const std::uint64_t top = smallest - 1 - gap;
    const std::uint64_t len = run(top, true, floor);
    const std::size_t need = wire::varint_size(gap - 1) + wire::varint_size(len - 1);
    if (w.size() - start + need > wire::kMaxAckFrameSize) break;
    w.varint(static_cast<std::uint32_t>(gap - 1));
    w.varint(static_cast<std::uint32_t>(len - 1));
    ++count;
    smallest = top - (len - 1);
  }
  *count_pos = std::byte(count);
}

}  // namespace gs::channel
