// Storage for outgoing message bytes: small messages share 64 KiB blocks that are
// recycled, so the send path does no heap allocation per message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace gs::channel {

class MessageArena {
 public:
  static constexpr std::size_t kBlockSize = 64 * 1024;
  static constexpr std::size_t kMaxSmall = 8 * 1024;
  static constexpr std::uint32_t kNoBlock = 0xffffffff;
  static constexpr std::size_t kSpareBlocks = 4;

  // Returns storage for n <= kMaxSmall bytes and the block that owns it.
  std::byte* allocate(std::size_t n, std::uint32_t& block) {
    if (current_ == kNoBlock || blocks_[current_].used + n > kBlockSize) next_block();
    auto& b = blocks_[current_];
    std::byte* p = b.mem.get() + b.used;
    b.used += (n + 7) & ~std::size_t{7};
    ++b.live;
    block = current_;
    return p;
  }

  void release(std::uint32_t block) {
    auto& b = blocks_[block];
    if (--b.live != 0) return;
    b.used = 0;
    if (block == current_) return;
    if (spare_ < kSpareBlocks) {
      free_.push_back(block);
      ++spare_;
    } else {
      b.mem.reset();
      empty_.push_back(block);
    }
  }

 private:
  struct Block {
    std::unique_ptr<std::byte[]> mem;
    std::size_t used = 0;
    std::size_t live = 0;
  };

  void next_block() {
    if (current_ != kNoBlock && blocks_[current_].live == 0) {
      blocks_[current_].used = 0;
      return;
    }
    if (!free_.empty()) {
      current_ = free_.back();
      free_.pop_back();
      --spare_;
      return;
    }
    std::uint32_t idx;
    if (!empty_.empty()) {
      idx = empty_.back();
      empty_.pop_back();
    } else {
      idx = static_cast<std::uint32_t>(blocks_.size());
      blocks_.emplace_back();
    }
    blocks_[idx].mem = std::make_unique_for_overwrite<std::byte[]>(kBlockSize);
    blocks_[idx].used = 0;
    blocks_[idx].live = 0;
    current_ = idx;
  }

  std::vector<Block> blocks_;
  std::vector<std::uint32_t> free_;   // blocks with memory, unused
  std::vector<std::uint32_t> empty_;  // block slots whose memory was returned
  std::size_t spare_ = 0;
  std::uint32_t current_ = kNoBlock;
};

}  // namespace gs::channel
