// Channel datagrams and frames built by hand, as a peer (or an attacker) would write them.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <span>
#include <vector>

#include "channel/wire.hpp"

namespace gs::channel::test {

// Builds one datagram by hand: header with packet number, then the given frame bytes.
inline std::vector<std::byte> packet(std::uint32_t pn, std::initializer_list<std::vector<std::byte>> frames) {
  std::size_t size = wire::kHeaderSize;
  for (auto& f : frames) size += f.size();
  std::vector<std::byte> out(size);
  wire::Writer w(out.data(), out.size());
  w.u8(wire::kHeaderByte);
  w.u32(pn);
  for (auto& f : frames) w.bytes(f);
  return out;
}

inline std::vector<std::byte> fragment_frame(std::uint8_t lane, std::uint32_t id, std::uint32_t total,
                                             std::uint16_t chunk, std::uint32_t index) {
  const std::size_t len = std::min<std::size_t>(chunk, total - std::size_t{index} * chunk);
  std::vector<std::byte> f(wire::kFragmentHeaderSize + len, std::byte{0x5a});
  wire::Writer w(f.data(), f.size());
  w.u8(static_cast<std::uint8_t>(wire::FrameType::fragment));
  w.u8(lane);
  w.u32(id);
  w.u32(total);
  w.u16(chunk);
  w.u32(index);
  return f;
}

inline std::vector<std::byte> ack_frame(std::uint32_t largest) {
  std::vector<std::byte> f(wire::kMinAckFrameSize);
  wire::Writer w(f.data(), f.size());
  w.u8(static_cast<std::uint8_t>(wire::FrameType::ack));
  w.u32(largest);
  w.u16(0);
  w.u8(0);
  w.varint(0);
  return f;
}

// A MESSAGES frame holding one message.
inline std::vector<std::byte> message_frame(std::uint8_t lane, std::uint32_t id,
                                            std::span<const std::byte> message) {
  std::vector<std::byte> f(wire::kMessagesHeaderSize + wire::varint_size(message.size()) + message.size());
  wire::Writer w(f.data(), f.size());
  w.u8(static_cast<std::uint8_t>(wire::FrameType::messages));
  w.u8(lane);
  w.u32(id);
  w.u8(1);
  w.varint(static_cast<std::uint32_t>(message.size()));
  w.bytes(message);
  return f;
}

inline std::vector<std::byte> ping_frame() { return {std::byte(wire::FrameType::ping)}; }

}  // namespace gs::channel::test
