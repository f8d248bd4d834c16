#pragma once
// Runs an io_context the way io_context::run() does, except that once idle it polls
// for new work for a BusyPollWindow before sleeping (see busy_poll_window.hpp for
// why). With a zero limit it is io_context::run() itself.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <asio/io_context.hpp>

#include "common/busy_poll_window.hpp"

namespace gs {

class EventLoop {
 public:
  struct Stats {
    std::uint64_t idle_periods = 0;      // times the loop ran out of ready work
    std::uint64_t found_by_polling = 0;  // ... and found the next handler while polling
    std::chrono::nanoseconds polled{};   // time spent polling, found work or not
  };

  EventLoop(asio::io_context& io, std::chrono::nanoseconds busy_poll_limit);

  // Runs handlers until the io_context is stopped or out of work; the number run.
  std::size_t run();

  // Runs at most one handler, polling and then sleeping up to `max_sleep` (forever
  // without it) for one; 0 when none ran (stopped, out of work or timed out).
  std::size_t run_one(std::optional<std::chrono::nanoseconds> max_sleep = std::nullopt);

  const BusyPollWindow& window() const { return window_; }
  const Stats& stats() const { return stats_; }

 private:
  asio::io_context& io_;
  BusyPollWindow window_;
  Stats stats_;
};

}  // namespace gs
