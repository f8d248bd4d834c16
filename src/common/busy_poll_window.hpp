#pragma once
// How long the event loop keeps polling for work before it goes to sleep.
//
// Waking a sleeping thread goes through the kernel's scheduler, about 10 us on a
// virtual machine (docs/BENCHMARKS.md, "Busy polling"): more than our whole handling
// of a datagram. When the next datagram is due within a few tens of microseconds,
// polling for it answers sooner than sleeping. The window adapts as KVM's halt
// polling does: it grows while the loop's idle gaps are short enough to be covered
// and halves towards zero when they are not, so an idle or lightly loaded server
// spends next to nothing on it. Sans-IO: the loop reports each idle gap it saw.

#include <chrono>

namespace gs {

class BusyPollWindow {
 public:
  using duration = std::chrono::nanoseconds;

  // `limit` is the longest window; zero turns polling off for good.
  explicit BusyPollWindow(duration limit);

  // How long to poll, once idle, before sleeping.
  duration window() const { return window_; }
  duration limit() const { return limit_; }

  // The loop went idle and the next handler ran `gap` later, whether it was found by
  // polling or woke the loop from sleep.
  void idle_gap(duration gap);

 private:
  // Growth starts from this share of the limit; a window halved below it is zero.
  static constexpr int kSmallestShare = 8;

  duration limit_;
  duration window_;
};

}  // namespace gs
