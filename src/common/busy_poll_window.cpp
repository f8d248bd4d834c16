#include "common/busy_poll_window.hpp"

#include <algorithm>

namespace gs {

BusyPollWindow::BusyPollWindow(duration limit) : limit_(std::max(limit, duration::zero())), window_(limit_) {}

void BusyPollWindow::idle_gap(duration gap) {
  if (limit_ == duration::zero()) return;
  const duration smallest = limit_ / kSmallestShare;
  if (gap <= limit_) {
    // A window of the limit would have caught this one: poll longer next time.
    window_ = std::min(limit_, std::max(window_ * 2, smallest));
  } else {
    // Polling could not have caught it: what was spent polling was wasted.
    window_ /= 2;
    if (window_ < smallest) window_ = duration::zero();
  }
}

}  // namespace gs
