// The channel wire format (docs/PROTOCOL.md, part "Channel"): explicit little-endian
// byte writers and bounds-checked readers, frame layouts as named constants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace gs::channel::wire {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::uint8_t kHeaderByte = kVersion << 4;  // low nibble: flags, must be 0
inline constexpr std::size_t kHeaderSize = 5;               // header byte, packet number u32

enum class FrameType : std::uint8_t {
  ack = 0x01,        // largest u32, ack_delay u16 (8 us units), range_count u8,
                     // first_range varint, range_count x (gap varint, length varint)
  ping = 0x02,       // nothing
  close = 0x03,      // reason u8
  close_ack = 0x04,  // nothing
  messages = 0x10,   // lane u8, first_id u32, count u8, count x (length varint, bytes)
  fragment = 0x11,   // lane u8, id u32, total u32, chunk u16, index u32, bytes
};

inline constexpr std::size_t kMinAckFrameSize = 1 + 4 + 2 + 1 + 1;
// Largest ACK frame a sender writes; reserved in every packet.
inline constexpr std::size_t kMaxAckFrameSize = 48;
inline constexpr std::size_t kMaxAckRanges = 16;
// Every ACK reports at least this many packet numbers below its largest.
inline constexpr std::uint64_t kAckRedundancy = 64;
inline constexpr std::size_t kCloseFrameSize = 2;
inline constexpr std::size_t kMessagesHeaderSize = 1 + 1 + 4 + 1;
inline constexpr std::size_t kMaxMessagesPerFrame = 255;
inline constexpr std::size_t kFragmentHeaderSize = 1 + 1 + 4 + 4 + 2 + 4;
inline constexpr std::size_t kMinChunk = 64;
inline constexpr std::uint32_t kAckDelayUnitUs = 8;
// Space reserved in every packet for the header, an ACK and a PING frame.
inline constexpr std::size_t kPacketOverhead = kHeaderSize + kMaxAckFrameSize + 1;
// Message ids a reliable lane may have between its oldest unacknowledged and newest
// sent; a receiver treats an id further ahead as a protocol error.
inline constexpr std::uint64_t kMessageWindow = 1u << 16;
// Bytes charged per message on top of its size (bookkeeping) in the sender's
// flow-control window and the receiver's reassembly cap alike.
inline constexpr std::uint64_t kMessageOverhead = 64;

constexpr std::uint64_t footprint(std::uint64_t size) { return size + kMessageOverhead; }

// Largest message sent whole in one MESSAGES frame for a given datagram size; larger
// messages are fragmented.
constexpr std::size_t max_unfragmented(std::size_t max_datagram) {
  return max_datagram - kPacketOverhead - kMessagesHeaderSize - 2;
}
// Fragment payload size used by a sender with the given datagram size.
constexpr std::size_t chunk_size(std::size_t max_datagram) {
  return max_datagram - kPacketOverhead - kFragmentHeaderSize;
}
constexpr std::size_t varint_size(std::size_t v) { return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3; }

class Writer {
 public:
  Writer(std::byte* data, std::size_t capacity) : begin_(data), p_(data), end_(data + capacity) {}

  std::size_t size() const { return static_cast<std::size_t>(p_ - begin_); }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  std::byte* position() { return p_; }

  // The caller checks remaining() first; writers never bounds-check on the hot path.
  void u8(std::uint8_t v) { *p_++ = std::byte{v}; }
  void u16(std::uint16_t v) {
    p_[0] = std::byte(v & 0xff);
    p_[1] = std::byte(v >> 8);
    p_ += 2;
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p_[i] = std::byte((v >> (8 * i)) & 0xff);
    p_ += 4;
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p_[i] = std::byte((v >> (8 * i)) & 0xff);
    p_ += 8;
  }
  // LEB128, values below 2^21.
  void varint(std::uint32_t v) {
    while (v >= 0x80) {
      *p_++ = std::byte((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *p_++ = std::byte(v);
  }
  void bytes(std::span<const std::byte> b) {
    if (!b.empty()) std::memcpy(p_, b.data(), b.size());
    p_ += b.size();
  }

 private:
  std::byte* begin_;
  std::byte* p_;
  std::byte* end_;
};

// Bounds-checked reader: every read reports failure instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> data) : p_(data.data()), end_(data.data() + data.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  bool empty() const { return p_ == end_; }

  bool u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = std::to_integer<std::uint8_t>(*p_++);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>(std::to_integer<unsigned>(p_[0]) |
                                   (std::to_integer<unsigned>(p_[1]) << 8));
    p_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= std::to_integer<std::uint32_t>(p_[i]) << (8 * i);
    p_ += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (remaining() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= std::to_integer<std::uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return true;
  }
  // LEB128 of at most 3 bytes, minimal encoding required.
  bool varint(std::uint32_t& v) {
    v = 0;
    for (int i = 0; i < 3; ++i) {
      std::uint8_t b = 0;
      if (!u8(b)) return false;
      v |= static_cast<std::uint32_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return i == 0 || b != 0;
    }
    return false;
  }
  bool bytes(std::size_t n, std::span<const std::byte>& out) {
    if (remaining() < n) return false;
    out = {p_, n};
    p_ += n;
    return true;
  }

 private:
  const std::byte* p_;
  const std::byte* end_;
};

// A decoded ACK frame: ranges of received packet numbers, newest first.
struct AckFrame {
  std::uint32_t largest = 0;
  std::uint16_t delay = 0;  // units of kAckDelayUnitUs
  std::uint8_t range_count = 0;
  std::uint32_t first_range = 0;             // packets below largest also received
  std::uint32_t gap[kMaxAckRanges] = {};     // missing packets before the range, minus one
  std::uint32_t length[kMaxAckRanges] = {};  // received packets in the range, minus one
};

// Reads the body of an ACK frame (after the type byte).
inline bool read_ack(Reader& r, AckFrame& a) {
  if (!r.u32(a.largest) || !r.u16(a.delay) || !r.u8(a.range_count) || !r.varint(a.first_range)) return false;
  if (a.range_count > kMaxAckRanges) return false;
  for (unsigned i = 0; i < a.range_count; ++i)
    if (!r.varint(a.gap[i]) || !r.varint(a.length[i])) return false;
  return true;
}

// Writes a FRAGMENT frame's header; the part's bytes follow.
inline void write_fragment_header(Writer& w, std::uint8_t lane, std::uint32_t id, std::uint32_t total,
                                  std::uint16_t chunk, std::uint32_t index) {
  w.u8(static_cast<std::uint8_t>(FrameType::fragment));
  w.u8(lane);
  w.u32(id);
  w.u32(total);
  w.u16(chunk);
  w.u32(index);
}

// Writes a MESSAGES frame's header with a count of 0; returns where the count is, to be
// set once the messages are written.
inline std::byte* write_messages_header(Writer& w, std::uint8_t lane, std::uint32_t first_id) {
  w.u8(static_cast<std::uint8_t>(FrameType::messages));
  w.u8(lane);
  w.u32(first_id);
  std::byte* count = w.position();
  w.u8(0);
  return count;
}

// One frame of a received packet as read_frames hands it out. A MESSAGES frame is handed
// out as one Frame per message, each with its own id.
struct Frame {
  FrameType type = FrameType::ping;
  std::uint8_t lane = 0;             // messages, fragment
  std::uint8_t code = 0;             // close: the reason
  std::uint16_t chunk = 0;           // fragment: part size
  std::uint32_t id = 0;              // messages, fragment: the message id
  std::uint32_t total = 0;           // fragment: message size
  std::uint32_t index = 0;           // fragment: part index; ack: index into FrameList::acks
  std::span<const std::byte> bytes;  // messages: the message; fragment: the part
};

// The frames of one packet, in order. Reused from packet to packet so reading allocates
// nothing once it has grown.
struct FrameList {
  std::vector<Frame> frames;
  std::vector<AckFrame> acks;
  bool eliciting = false;  // a PING, MESSAGES or FRAGMENT frame: the packet wants an ACK
  bool close = false;      // a CLOSE frame
};

// Reads and checks every frame of a packet body (after the header) into `out`. False if
// the body is empty or any frame is malformed; then nothing in `out` may be used, so a
// bad packet is dropped whole.
bool read_frames(std::span<const std::byte> body, FrameList& out);

// Expands a 32-bit wire sequence number to 64 bits using the closest value to `ref`.
constexpr std::uint64_t expand(std::uint64_t ref, std::uint32_t wire) {
  auto delta = static_cast<std::int32_t>(wire - static_cast<std::uint32_t>(ref));
  auto r = static_cast<std::int64_t>(ref) + delta;
  if (r < 0) r += std::int64_t{1} << 32;
  return static_cast<std::uint64_t>(r);
}

}  // namespace gs::channel::wire
