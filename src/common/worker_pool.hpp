#pragma once
// A fixed set of threads for CPU-heavy work (password hashing) so that the event
// loop never blocks. Work runs on a pool thread; its completion runs on the
// executor the caller names, usually the event loop's.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>

namespace gs {

class WorkerPool {
 public:
  // threads == 0 picks the number of hardware threads (at least 1).
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `work()` on a pool thread, then posts `done(result)` to `executor`.
  // Jobs submitted after stop() are never run and their `done` is never called.
  template <class Work, class Done>
  void submit(Work work, asio::any_io_executor executor, Done done) {
    enqueue([work = std::move(work), executor, done = std::move(done)]() mutable {
      if constexpr (std::is_void_v<std::invoke_result_t<Work&>>) {
        work();
        asio::post(executor, std::move(done));
      } else {
        auto result = work();
        asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable {
          done(std::move(result));
        });
      }
    });
  }

  // Jobs waiting for a thread (not counting those running).
  std::size_t queue_depth() const;
  std::size_t thread_count() const { return threads_.size(); }

  // Finishes the jobs already running, discards queued ones, joins the threads.
  void stop();

 private:
  void enqueue(std::function<void()> job);
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gs
