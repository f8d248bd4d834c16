// A growable FIFO ring with random access (power-of-two capacity, never shrinks).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace gs::channel {

template <class T>
class Ring {
 public:
  bool empty() const { return head_ == tail_; }
  std::size_t size() const { return tail_ - head_; }
  T& operator[](std::size_t i) { return buf_[(head_ + i) & mask_]; }
  const T& operator[](std::size_t i) const { return buf_[(head_ + i) & mask_]; }
  T& front() { return buf_[head_ & mask_]; }
  T& back() { return buf_[(tail_ - 1) & mask_]; }

  T& push_back(T v) {
    if (size() == buf_.size()) grow();
    auto& slot = buf_[tail_++ & mask_];
    slot = std::move(v);
    return slot;
  }
  void pop_front() {
    buf_[head_ & mask_] = T{};
    ++head_;
  }
  void clear() {
    while (!empty()) pop_front();
  }

 private:
  void grow() {
    std::size_t n = size();
    std::vector<T> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (std::size_t i = 0; i < n; ++i) next[i] = std::move((*this)[i]);
    buf_.swap(next);
    head_ = 0;
    tail_ = n;
    mask_ = buf_.size() - 1;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace gs::channel
