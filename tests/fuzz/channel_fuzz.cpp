// Fuzzes the channel's receive path and state machine: the input is a sequence of
// datagrams (u16 length prefix each) fed to one channel, with time moving on and the
// channel's own output drained after each.

#include <cstddef>
#include <cstdint>
#include <span>

#include "channel/channel.hpp"

namespace {

struct Sink final : gs::channel::ChannelEvents {
  void on_message(std::size_t, std::span<const std::byte>, gs::channel::Time) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono_literals;
  gs::channel::ChannelConfig config;
  config.max_message = 64 * 1024;
  config.reassembly_cap = 256 * 1024;
  gs::channel::ReassemblyBudget budget(1 << 20);
  Sink sink;
  gs::channel::Time now{};
  gs::channel::Channel channel(config, now, sink, &budget);
  std::size_t at = 0;
  while (at + 2 <= size) {
    std::size_t n = data[at] | (std::size_t(data[at + 1]) << 8);
    at += 2;
    n = std::min(n, size - at);
    channel.receive({reinterpret_cast<const std::byte*>(data + at), n}, now);
    at += n;
    now += 7ms;
    channel.poll(now, [](std::span<const std::byte>) {});
  }
  return 0;
}
