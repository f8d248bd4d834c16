#include "channel/wire.hpp"

#include <algorithm>

#include "channel/config.hpp"

namespace gs::channel::wire {

namespace {

// Reads a MESSAGES frame's body into one Frame per message.
bool read_messages(Reader& r, FrameList& out) {
  std::uint8_t lane = 0, count = 0;
  std::uint32_t id = 0;
  if (!r.u8(lane) || !r.u32(id) || !r.u8(count)) return false;
  if (count == 0) return false;
  // Grown once per frame, not once per message: this runs for every message received.
  const std::size_t first = out.frames.size();
  out.frames.resize(first + count);
  for (unsigned i = 0; i < count; ++i) {
    Frame& f = out.frames[first + i];
    f.type = FrameType::messages;
    f.lane = lane;
    f.id = static_cast<std::uint32_t>(id + i);
    std::uint32_t len = 0;
    if (!r.varint(len) || !r.bytes(len, f.bytes)) return false;
  }
  return true;
}

bool read_fragment(Reader& r, Frame& f) {
  if (!r.u8(f.lane) || !r.u32(f.id) || !r.u32(f.total) || !r.u16(f.chunk) || !r.u32(f.index)) return false;
  if (f.total == 0) return false;
  if (f.chunk < kMinChunk || f.chunk > kMaxDatagram) return false;
  const std::uint64_t count = (std::uint64_t{f.total} + f.chunk - 1) / f.chunk;
  if (count < 2 || f.index >= count) return false;
  const std::uint64_t len = std::min<std::uint64_t>(f.chunk, f.total - std::uint64_t{f.index} * f.chunk);
  return r.bytes(len, f.bytes);
}

}  // namespace

bool read_frames(std::span<const std::byte> body, FrameList& out) {
  out.frames.clear();
  out.acks.clear();
  out.eliciting = out.close = false;
  Reader r(body);
  if (r.empty()) return false;
  while (!r.empty()) {
    std::uint8_t type = 0;
    r.u8(type);
    Frame f;
    f.type = static_cast<FrameType>(type);
    switch (f.type) {
      case FrameType::ack:
        f.index = static_cast<std::uint32_t>(out.acks.size());
        if (!read_ack(r, out.acks.emplace_back())) return false;
        break;
      case FrameType::ping: out.eliciting = true; break;
      case FrameType::close_ack: break;
      case FrameType::close:
        if (!r.u8(f.code)) return false;
        out.close = true;
        break;
      case FrameType::messages:
        if (!read_messages(r, out)) return false;
        out.eliciting = true;
        continue;
      case FrameType::fragment:
        if (!read_fragment(r, f)) return false;
        out.eliciting = true;
        break;
      default: return false;
    }
    out.frames.push_back(f);
  }
  return true;
}

}  // namespace gs::channel::wire
