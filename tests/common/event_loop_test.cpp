#include <doctest/doctest.h>

#include <chrono>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "common/event_loop.hpp"

using namespace std::chrono_literals;
using gs::EventLoop;

TEST_CASE("run() runs every handler in order and returns when out of work, polling or not") {
  for (auto limit : {0us, 50us}) {
    CAPTURE(limit.count());
    asio::io_context io;
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) asio::post(io, [&order, i] { order.push_back(i); });
    asio::steady_timer timer(io, 2ms);
    timer.async_wait([&](const asio::error_code&) { order.push_back(5); });
    EventLoop loop(io, limit);
    CHECK(loop.run() == 6);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(io.stopped());
  }
}

TEST_CASE("run() returns when the loop is stopped from another thread while idle") {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  EventLoop loop(io, 50us);
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    io.stop();
  });
  loop.run();
  stopper.join();
  CHECK(io.stopped());
}

TEST_CASE("a handler posted while the loop polls is found without sleeping") {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  // A window far longer than the poster's delay: polling must be what finds it.
  EventLoop loop(io, 10s);
  bool ran = false;
  std::thread poster([&] {
    std::this_thread::sleep_for(5ms);
    asio::post(io, [&] { ran = true; });
  });
  CHECK(loop.run_one() == 1);
  poster.join();
  CHECK(ran);
  CHECK(loop.stats().idle_periods == 1);
  CHECK(loop.stats().found_by_polling == 1);
  CHECK(loop.stats().polled >= 4ms);
}

TEST_CASE("an idle loop stops polling: long gaps close the window and it only sleeps") {
  asio::io_context io;
  asio::steady_timer timer(io);
  int ticks = 0;
  std::function<void()> arm = [&] {
    timer.expires_after(5ms);
    timer.async_wait([&](const asio::error_code&) {
      if (++ticks < 10) arm();
    });
  };
  arm();
  EventLoop loop(io, 100us);
  std::chrono::nanoseconds polled_when_closed{};
  while (loop.run_one() > 0) {
    if (ticks == 6) polled_when_closed = loop.stats().polled;
  }
  CHECK(ticks == 10);
  CHECK(loop.stats().found_by_polling == 0);
  CHECK(loop.window().window() == 0us);
  CHECK(polled_when_closed > 0us);
  // Five 5 ms gaps close a 100 us window; after that nothing more is spent polling.
  CHECK(loop.stats().polled == polled_when_closed);
}

TEST_CASE("run_one with a time limit returns 0 when nothing happens within it") {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  EventLoop loop(io, 50us);
  const auto start = std::chrono::steady_clock::now();
  CHECK(loop.run_one(10ms) == 0);
  CHECK(std::chrono::steady_clock::now() - start >= 10ms);
  CHECK_FALSE(io.stopped());
}
