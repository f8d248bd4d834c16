// A reassembly-memory budget shared by many channels (one per process or per role).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gs::channel {

class ReassemblyBudget {
 public:
  // capacity: bytes of reassembly and out-of-order buffering all channels together
  // may hold.
  explicit ReassemblyBudget(std::uint64_t capacity) : capacity_(capacity) {}
  ReassemblyBudget(const ReassemblyBudget&) = delete;
  ReassemblyBudget& operator=(const ReassemblyBudget&) = delete;

  // Takes n bytes from the budget; false (and nothing taken) if that would exceed it.
  bool try_acquire(std::uint64_t n) {
    auto used = used_.load(std::memory_order_relaxed);
    do {
      if (used > capacity_ || n > capacity_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  // Records n bytes already allocated, even beyond the capacity (a hash table's bucket
  // array, which grows inside an insertion that was admitted).
  void acquire(std::uint64_t n) { used_.fetch_add(n, std::memory_order_relaxed); }
  void release(std::uint64_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

  std::uint64_t capacity() const { return capacity_; }
  std::uint64_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const std::uint64_t capacity_;
  std::atomic<std::uint64_t> used_{0};
};

}  // namespace gs::channel
