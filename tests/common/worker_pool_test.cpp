#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "common/worker_pool.hpp"

TEST_CASE("work runs on a pool thread and its result comes back on the event loop") {
  asio::io_context io;
  gs::WorkerPool pool(2);
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id work_thread;
  std::thread::id done_thread;
  int result = 0;
  pool.submit(
      [&] {
        work_thread = std::this_thread::get_id();
        return 6 * 7;
      },
      io.get_executor(),
      [&](int value) {
        done_thread = std::this_thread::get_id();
        result = value;
        io.stop();
      });
  auto guard = asio::make_work_guard(io);
  io.run();
  CHECK(result == 42);
  CHECK(work_thread != loop_thread);
  CHECK(done_thread == loop_thread);
}

TEST_CASE("many jobs all complete and the queue drains") {
  asio::io_context io;
  gs::WorkerPool pool(3);
  CHECK(pool.thread_count() == 3);
  constexpr int jobs = 200;
  std::atomic<int> ran{0};
  int done = 0;
  for (int i = 0; i < jobs; ++i)
    pool.submit([&] { ran.fetch_add(1); }, io.get_executor(),
                [&] {
                  if (++done == jobs) io.stop();
                });
  auto guard = asio::make_work_guard(io);
  io.run();
  CHECK(ran.load() == jobs);
  CHECK(done == jobs);
  CHECK(pool.queue_depth() == 0);
}

TEST_CASE("zero threads means one per hardware thread") {
  gs::WorkerPool pool(0);
  CHECK(pool.thread_count() >= 1);
}

TEST_CASE("jobs submitted after stop never run") {
  asio::io_context io;
  gs::WorkerPool pool(1);
  pool.stop();
  bool ran = false;
  pool.submit([&] { ran = true; }, io.get_executor(), [] {});
  io.run();
  CHECK_FALSE(ran);
}
