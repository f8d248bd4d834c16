// In-memory channel benchmarks: message rate of a 100-byte reliable stream (CPU bound,
// two channels handing datagrams to each other directly), delivery-time percentiles at
// 5% loss and 40 ms RTT, and bulk throughput at 40 ms RTT (simulated network, manual
// clock). Usage: channel_bench [stream|latency|bulk]... (default: all)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "channel/channel.hpp"
#include "channel/sim.hpp"

using namespace gs::channel;
using namespace std::chrono_literals;

namespace {

struct Counter : ChannelEvents {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::vector<std::pair<std::uint64_t, Time>>* arrivals = nullptr;
  void on_message(std::size_t, std::span<const std::byte> m, Time now) override {
    ++messages;
    bytes += m.size();
    if (arrivals && m.size() >= 8) {
      std::uint64_t id = 0;
      std::memcpy(&id, m.data(), sizeof id);
      arrivals->emplace_back(id, now);
    }
  }
};

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// 100-byte reliable ordered messages, no loss, as fast as the CPU allows.
void stream(std::size_t size, std::uint64_t total) {
  Counter ea, eb;
  ChannelConfig c;
  c.lanes = {{LaneKind::reliable_ordered, 0, 1}};
  const Time start = Clock::now();
  Channel a(c, start, ea), b(c, start, eb);
  std::vector<std::byte> msg(size, std::byte{0x42});
  std::uint64_t sent = 0, datagrams = 0;
  while (eb.messages < total) {
    const Time now = Clock::now();
    while (sent < total && a.send(0, msg, now) == SendResult::ok) ++sent;
    datagrams += a.poll(now, [&](std::span<const std::byte> d) { b.receive(d, now); });
    b.poll(now, [&](std::span<const std::byte> d) { a.receive(d, now); });
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "stream: %zu-byte reliable messages: %.2f M msgs/s, %.0f MB/s payload, %.1f msgs/datagram "
      "(%llu messages in %.2f s)\n",
      size, double(total) / secs / 1e6, double(total * size) / secs / 1e6, double(total) / double(datagrams),
      static_cast<unsigned long long>(total), secs);
}

// Reliable 100-byte messages at a steady rate over a lossy link; delivery-time percentiles.
void latency(double loss, Duration rtt, int per_second, Duration length) {
  Counter ea, eb;
  std::vector<std::pair<std::uint64_t, Time>> arrivals;
  eb.arrivals = &arrivals;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = rtt / 2;
  l.loss = loss;
  const Time epoch = Time{} + 1000h;
  sim::Pair pair(c, c, l, l, 2024, ea, eb, epoch);
  std::vector<Time> sent_at;
  const Duration gap = std::chrono::duration_cast<Duration>(1s) / per_second;
  std::vector<std::byte> msg(100);
  for (std::uint64_t i = 0; pair.now() < epoch + length; ++i) {
    std::memcpy(msg.data(), &i, sizeof i);
    sent_at.push_back(pair.now());
    if (pair.a().send(0, msg, pair.now()) != SendResult::ok) std::abort();
    pair.run_for(gap);
  }
  pair.run_for(5s);
  std::vector<Duration> d;
  for (auto& [id, at] : arrivals) d.push_back(at - sent_at[id]);
  std::sort(d.begin(), d.end());
  if (d.size() != sent_at.size())
    std::printf("latency: LOST MESSAGES %zu of %zu\n", sent_at.size() - d.size(), sent_at.size());
  std::printf(
      "latency: %.0f%% loss, %.0f ms RTT, %d msgs/s of 100 B: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, "
      "max %.1f ms (%zu messages)\n",
      loss * 100, ms(rtt), per_second, ms(d[d.size() / 2]), ms(d[d.size() * 99 / 100]),
      ms(d[d.size() * 999 / 1000]), ms(d.back()), d.size());
}

// One-way bulk transfer of `total` bytes in 64 KiB reliable messages.
void bulk(double loss, Duration rtt, std::size_t total) {
  Counter ea, eb;
  ChannelConfig c;
  sim::LinkConfig l;
  l.latency = rtt / 2;
  l.loss = loss;
  const Time epoch = Time{} + 1000h;
  sim::Pair pair(c, c, l, l, 7, ea, eb, epoch);
  std::vector<std::byte> chunk(64 * 1024);
  std::size_t queued = 0;
  const auto wall = Clock::now();
  pair.run_until(
      [&] {
        while (queued < total && pair.a().send(0, chunk, pair.now()) == SendResult::ok)
          queued += chunk.size();
        return eb.bytes >= total;
      },
      600s);
  const double secs = std::chrono::duration<double>(pair.now() - epoch).count();
  const double wall_secs = std::chrono::duration<double>(Clock::now() - wall).count();
  auto s = pair.a().stats();
  std::printf(
      "bulk: %.0f%% loss, %.0f ms RTT: %.1f MB/s (%zu MiB in %.2f s simulated, %.2f s CPU; "
      "%llu packets, %llu lost)\n",
      loss * 100, ms(rtt), double(total) / secs / 1e6, total >> 20, secs, wall_secs,
      static_cast<unsigned long long>(s.packets_sent), static_cast<unsigned long long>(s.packets_lost));
}

}  // namespace

int main(int argc, char** argv) {
  auto want = [&](std::string_view name) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i)
      if (name == argv[i]) return true;
    return false;
  };
  if (want("stream")) {
    stream(100, 5'000'000);
    stream(1000, 1'000'000);
  }
  if (want("latency")) {
    latency(0.05, 40ms, 100, 60s);
    latency(0.05, 40ms, 1000, 30s);
  }
  if (want("bulk")) {
    bulk(0, 40ms, 256u << 20);
    bulk(0.01, 40ms, 128u << 20);
    bulk(0.05, 40ms, 128u << 20);
  }
  return 0;
}
