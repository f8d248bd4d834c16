// The arena's messages, byte for byte what the client library's arena helpers send and
// read (src/protocol/messages.hpp over src/session/codec.hpp, docs/PROTOCOL.md; the test
// "arena: the module's own codec ..." holds the two together): a type byte, then little-endian fields;
// strings are a u16 length and UTF-8 bytes, lists a u16 count and the items. Self-contained (the standard
// library only), so the module needs nothing of gameserver beyond game.hpp.
//
//   Input     0x31  client -> game, lane 3: u32 sequence, i32 move_x, i32 move_y (-100..100)
//   Snapshot  0x32  game -> client, lane 3: u32 tick, u16 count, count x (u32 id, i32 x, i32 y)
//   Chat      0x33  client -> game, lane 1: str text (1..256 bytes)
//   ChatEvent 0x34  game -> every client, lane 1: u32 player_id, str account (<= 64), str text
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace arena {

inline constexpr std::uint8_t input_type = 0x31;
inline constexpr std::uint8_t snapshot_type = 0x32;
inline constexpr std::uint8_t chat_type = 0x33;
inline constexpr std::uint8_t chat_event_type = 0x34;
inline constexpr std::size_t max_name = 64;
inline constexpr std::size_t max_chat = 256;
inline constexpr std::size_t max_snapshot_entries = 64;

struct Input {
  std::uint32_t sequence = 0;
  std::int32_t move_x = 0;
  std::int32_t move_y = 0;
};

struct SnapshotEntry {
  std::uint32_t player_id = 0;
  std::int32_t x = 0;
  std::int32_t y = 0;
};

// True for well-formed UTF-8 without overlong forms, surrogates or code points past U+10FFFF.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0, min = 0;
    if (c < 0x80)
      n = 0, cp = c;
    else if ((c & 0xE0) == 0xC0)
      n = 1, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
      n = 2, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
      n = 3, cp = c & 0x07, min = 0x10000;
    else
      return false;
    if (n > 0 && i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

class Out {
 public:
  explicit Out(std::vector<std::byte>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(std::byte{v}); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
  void str(std::string_view v) {
    u16(static_cast<std::uint16_t>(v.size()));
    for (char c : v) out_.push_back(static_cast<std::byte>(c));
  }

 private:
  void put(std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::byte>(v >> (8 * i)));
  }
  std::vector<std::byte>& out_;
};

class In {
 public:
  explicit In(std::span<const std::byte> in) : in_(in) {}
  std::uint32_t get(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return 0;
    }
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::to_integer<std::uint32_t>(in_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string str(std::size_t max) {
    const std::size_t size = get(2);
    if (!ok_ || size > max || in_.size() - pos_ < size) {
      ok_ = false;
      return {};
    }
    std::string v(reinterpret_cast<const char*>(in_.data()) + pos_, size);
    pos_ += size;
    if (!valid_utf8(v)) ok_ = false;
    return v;
  }
  bool complete() const { return ok_ && pos_ == in_.size(); }

 private:
  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// A whole message (type byte included); nullopt when it is not one, or malformed.
inline std::optional<Input> decode_input(std::span<const std::byte> bytes) {
  In in(bytes);
  if (in.get(1) != input_type) return std::nullopt;
  Input m;
  m.sequence = in.get(4);
  m.move_x = static_cast<std::int32_t>(in.get(4));
  m.move_y = static_cast<std::int32_t>(in.get(4));
  if (!in.complete()) return std::nullopt;
  return m;
}

inline std::optional<std::string> decode_chat(std::span<const std::byte> bytes) {
  In in(bytes);
  if (in.get(1) != chat_type) return std::nullopt;
  std::string text = in.str(max_chat);
  if (!in.complete()) return std::nullopt;
  return text;
}

// Appends the message; false, with `out` as it was, when a field is over its limit.
inline bool encode_snapshot(std::uint32_t tick, std::span<const SnapshotEntry> players,
                            std::vector<std::byte>& out) {
  if (players.size() > max_snapshot_entries) return false;
  Out o(out);
  o.u8(snapshot_type);
  o.u32(tick);
  o.u16(static_cast<std::uint16_t>(players.size()));
  for (const auto& p : players) o.u32(p.player_id), o.i32(p.x), o.i32(p.y);
  return true;
}

inline bool encode_chat_event(std::uint32_t player_id, std::string_view account, std::string_view text,
                              std::vector<std::byte>& out) {
  if (account.size() > max_name || text.size() > max_chat) return false;
  Out o(out);
  o.u8(chat_event_type);
  o.u32(player_id);
  o.str(account);
  o.str(text);
  return true;
}

}  // namespace arena
