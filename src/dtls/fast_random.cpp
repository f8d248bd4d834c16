#include "dtls/fast_random.hpp"

#include <pthread.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>

namespace gs::dtls::detail {

namespace {

// Bumped in every child process after fork(): a thread whose state was seeded in
// another generation reseeds before its next byte.
std::atomic<std::uint64_t> fork_generation{0};

void count_fork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct Generator {
  static constexpr std::size_t kBlock = 512;  // one refill: 32 bytes of key + 480 to hand out
  std::array<std::uint8_t, crypto_stream_chacha20_ietf_KEYBYTES> key{};
  std::array<std::uint8_t, kBlock> block{};
  std::size_t used = kBlock;  // bytes of `block` handed out or erased
  std::uint64_t generation = ~std::uint64_t{0};

  ~Generator() {
    sodium_memzero(key.data(), key.size());
    sodium_memzero(block.data(), block.size());
  }

  void reseed(std::uint64_t now_generation) {
    randombytes_buf(key.data(), key.size());
    sodium_memzero(block.data(), block.size());
    used = kBlock;
    generation = now_generation;
  }

  void refill() {
    static constexpr std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
    // A fresh key for every block, so the all-zero nonce never repeats under one key.
    crypto_stream_chacha20_ietf(block.data(), block.size(), nonce.data(), key.data());
    std::copy_n(block.begin(), key.size(), key.begin());
    sodium_memzero(block.data(), key.size());
    used = key.size();
  }

  void fill(std::uint8_t* out, std::size_t size) {
    const std::uint64_t now = fork_generation.load(std::memory_order_relaxed);
    if (generation != now) reseed(now);
    while (size > 0) {
      if (used == kBlock) refill();
      const std::size_t take = std::min(size, kBlock - used);
      std::copy_n(block.begin() + static_cast<std::ptrdiff_t>(used), take, out);
      sodium_memzero(block.data() + used, take);
      used += take;
      out += take;
      size -= take;
    }
  }
};

}  // namespace

void fast_random(std::uint8_t* out, std::size_t size) {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(nullptr, nullptr, count_fork); });
  thread_local Generator generator;
  generator.fill(out, size);
}

}  // namespace gs::dtls::detail
