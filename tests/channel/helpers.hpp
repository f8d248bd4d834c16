// Shared helpers for channel tests: an event recorder, a fixed epoch, payloads with a
// self-check.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "channel/channel.hpp"
#include "channel/sim.hpp"

namespace gs::channel::test {

inline const Time kEpoch = Time{} + std::chrono::hours(1000);

struct Received {
  std::size_t lane;
  std::vector<std::byte> bytes;
  Time at;
};

struct Recorder : ChannelEvents {
  std::vector<Received> messages;
  std::vector<std::pair<State, State>> states;
  std::vector<EndCode> closes;
  bool keep_bytes = true;
  std::uint64_t count = 0;

  void on_message(std::size_t lane, std::span<const std::byte> m, Time now) override {
    ++count;
    if (keep_bytes) messages.push_back({lane, {m.begin(), m.end()}, now});
  }
  void on_state(State from, State to, Time) override { states.emplace_back(from, to); }
  void on_closed(const End& end, Time) override { closes.push_back(end.code); }
};

// A message of `size` bytes that carries its id and a checksum so a test can tell it
// arrived whole: bytes 0..7 id, 8..11 FNV-1a of the rest, rest pseudo-random.
inline std::vector<std::byte> make_payload(std::uint64_t id, std::size_t size) {
  std::vector<std::byte> v(size);
  std::uint64_t x = id * 0x9e3779b97f4a7c15ull + 1;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v[i] = std::byte(x & 0xff);
  }
  if (size >= 12) {
    for (int i = 0; i < 8; ++i) v[i] = std::byte((id >> (8 * i)) & 0xff);
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 12; i < size; ++i) h = (h ^ std::to_integer<std::uint32_t>(v[i])) * 16777619u;
    for (int i = 0; i < 4; ++i) v[8 + i] = std::byte((h >> (8 * i)) & 0xff);
  }
  return v;
}

// The id of a payload made by make_payload, or nullopt if it is corrupt.
inline std::optional<std::uint64_t> check_payload(std::span<const std::byte> v) {
  if (v.size() < 12) return std::nullopt;
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id |= std::to_integer<std::uint64_t>(v[i]) << (8 * i);
  std::uint32_t h = 2166136261u, stored = 0;
  for (std::size_t i = 12; i < v.size(); ++i) h = (h ^ std::to_integer<std::uint32_t>(v[i])) * 16777619u;
  for (int i = 0; i < 4; ++i) stored |= std::to_integer<std::uint32_t>(v[8 + i]) << (8 * i);
  if (h != stored) return std::nullopt;
  return id;
}

inline std::vector<std::byte> bytes_of(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(std::byte(b));
  return out;
}

}  // namespace gs::channel::test
