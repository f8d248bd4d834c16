#pragma once
// Typed messages: explicit little-endian encoding and bounds-checked decoding.
//
// A message is a struct with a `type` id, a `lane` and one `fields` function that
// lists its fields in wire order:
//
//   struct Chat {
//     static constexpr std::uint8_t type = 0x40;
//     static constexpr std::uint8_t lane = 0;
//     std::string text;
//     template <class IO, class M> static void fields(IO& io, M& m) { io.str(m.text, 256); }
//   };
//
// Writer and Reader both implement the field calls, so encoding and decoding cannot
// disagree. On the wire a message is its type byte followed by its fields. Decoding
// refuses short input, over-long fields, invalid UTF-8 and trailing bytes; encoding
// refuses over-long fields too (encode returns false), so a value too long for the
// wire is an error the caller sees, never an abort.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gs::session {

// True for well-formed UTF-8 without overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view text);

class Writer {
 public:
  explicit Writer(std::vector<std::byte>& out) : out_(out) {}

  void u8(const std::uint8_t& v) { out_.push_back(std::byte{v}); }
  void u16(const std::uint16_t& v) { put(v, 2); }
  void u32(const std::uint32_t& v) { put(v, 4); }
  void u64(const std::uint64_t& v) { put(v, 8); }
  void boolean(const bool& v) { u8(v ? 1 : 0); }
  // A u16 length, then the bytes. A value longer than `max` writes nothing and marks
  // the writer failed (ok() false): strings reach here from callers' input.
  void str(const std::string& v, std::size_t max) { blob(v.data(), v.size(), max); }
  void bytes(const std::vector<std::uint8_t>& v, std::size_t max) { blob(v.data(), v.size(), max); }
  template <std::size_t N>
  void array(const std::array<std::uint8_t, N>& v) {
    const auto* p = reinterpret_cast<const std::byte*>(v.data());
    out_.insert(out_.end(), p, p + N);
  }
  void i32(const std::int32_t& v) { u32(static_cast<std::uint32_t>(v)); }
  // A u16 count, then each item's fields.
  template <class T>
  void list(const std::vector<T>& items, std::size_t max) {
    if (items.size() > max || items.size() > 0xFFFF) {
      ok_ = false;
      return;
    }
    u16(static_cast<std::uint16_t>(items.size()));
    for (const auto& item : items) T::fields(*this, item);
  }

  // False once any field was over its limit; the output is then unusable.
  bool ok() const { return ok_; }

 private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(std::byte(static_cast<std::uint8_t>(v >> (8 * i))));
  }
  void blob(const void* data, std::size_t size, std::size_t max);

  std::vector<std::byte>& out_;
  bool ok_ = true;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}

  void u8(std::uint8_t& v) { v = static_cast<std::uint8_t>(get(1)); }
  void u16(std::uint16_t& v) { v = static_cast<std::uint16_t>(get(2)); }
  void u32(std::uint32_t& v) { v = static_cast<std::uint32_t>(get(4)); }
  void u64(std::uint64_t& v) { v = get(8); }
  void boolean(bool& v);
  void str(std::string& v, std::size_t max);
  void bytes(std::vector<std::uint8_t>& v, std::size_t max);
  template <std::size_t N>
  void array(std::array<std::uint8_t, N>& v) {
    if (!take(N)) return;
    std::memcpy(v.data(), in_.data() + pos_ - N, N);
  }

  void i32(std::int32_t& v) { v = static_cast<std::int32_t>(static_cast<std::uint32_t>(get(4))); }
  template <class T>
  void list(std::vector<T>& items, std::size_t max) {
    std::uint16_t count = 0;
    u16(count);
    if (!ok_ || count > max) {
      ok_ = false;
      return;
    }
    items.clear();
    for (std::uint16_t i = 0; i < count && ok_; ++i) T::fields(*this, items.emplace_back());
  }

  // Everything read, nothing left over, nothing malformed.
  bool complete() const { return ok_ && pos_ == in_.size(); }
  bool ok() const { return ok_; }

 private:
  bool take(std::size_t n);
  std::uint64_t get(int n);
  std::optional<std::span<const std::byte>> blob(std::size_t max);

  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Appends the type byte followed by the fields. False, with `out` as it was, when a
// field is longer than its limit.
template <class M>
[[nodiscard]] bool encode(const M& message, std::vector<std::byte>& out) {
  const std::size_t start = out.size();
  Writer writer(out);
  writer.u8(M::type);
  M::fields(writer, message);
  if (writer.ok()) return true;
  out.resize(start);
  return false;
}

// The encoded message, or an empty vector when a field is longer than its limit:
// every message has at least its type byte, and Session::send refuses an empty one.
template <class M>
std::vector<std::byte> encode(const M& message) {
  std::vector<std::byte> out;
  if (!encode(message, out)) out.clear();
  return out;
}

// Decodes the fields of `M` from a payload that follows the type byte.
template <class M>
std::optional<M> decode_fields(std::span<const std::byte> payload) {
  M message{};
  Reader reader(payload);
  M::fields(reader, message);
  if (!reader.complete()) return std::nullopt;
  return message;
}

// Decodes a whole message, type byte included; nullopt if the type differs or the
// fields are malformed.
template <class M>
std::optional<M> decode(std::span<const std::byte> bytes) {
  if (bytes.empty() || std::to_integer<std::uint8_t>(bytes[0]) != M::type) return std::nullopt;
  return decode_fields<M>(bytes.subspan(1));
}

}  // namespace gs::session
