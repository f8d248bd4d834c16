#include "common/event_loop.hpp"

#include <algorithm>

namespace gs {

using Clock = std::chrono::steady_clock;

EventLoop::EventLoop(asio::io_context& io, std::chrono::nanoseconds busy_poll_limit)
    : io_(io), window_(busy_poll_limit) {}

std::size_t EventLoop::run() {
  if (window_.limit() == std::chrono::nanoseconds::zero()) return io_.run();
  std::size_t total = 0;
  while (std::size_t ran = run_one()) total += ran;
  return total;
}

std::size_t EventLoop::run_one(std::optional<std::chrono::nanoseconds> max_sleep) {
  // Work that is ready now is not an idle gap: it says nothing about what polling
  // would catch.
  if (std::size_t ran = io_.poll_one(); ran > 0 || io_.stopped()) return ran;

  ++stats_.idle_periods;
  const auto idle_since = Clock::now();
  std::size_t ran = 0;
  auto window = window_.window();
  if (max_sleep) window = std::min(window, *max_sleep);
  if (window > std::chrono::nanoseconds::zero()) {
    const auto until = idle_since + window;
    auto now = idle_since;
    while (now < until && !io_.stopped()) {
      ran = io_.poll_one();
      now = Clock::now();
      if (ran > 0) break;
    }
    stats_.polled += now - idle_since;
    if (ran > 0) ++stats_.found_by_polling;
  }
  if (ran == 0 && !io_.stopped()) {
    if (!max_sleep) {
      ran = io_.run_one();
    } else {
      const auto left = *max_sleep - (Clock::now() - idle_since);
      if (left > std::chrono::nanoseconds::zero()) ran = io_.run_one_for(left);
    }
  }
  if (ran > 0) window_.idle_gap(Clock::now() - idle_since);
  return ran;
}

}  // namespace gs
