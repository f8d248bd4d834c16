#include "session/codec.hpp"

namespace gs::session {

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

void Writer::blob(const void* data, std::size_t size, std::size_t max) {
  if (size > max || size > 0xFFFF) {
    ok_ = false;
    return;
  }
  u16(static_cast<std::uint16_t>(size));
  const auto* p = static_cast<const std::byte*>(data);
  out_.insert(out_.end(), p, p + size);
}

bool Reader::take(std::size_t n) {
  if (!ok_ || in_.size() - pos_ < n) {
    ok_ = false;
    return false;
  }
  pos_ += n;
  return true;
}

std::uint64_t Reader::get(int n) {
  if (!take(static_cast<std::size_t>(n))) return 0;
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v |= std::uint64_t(std::to_integer<std::uint8_t>(
             in_[pos_ - static_cast<std::size_t>(n) + static_cast<std::size_t>(i)]))
         << (8 * i);
  return v;
}

void Reader::boolean(bool& v) {
  std::uint8_t b = 0;
  u8(b);
  if (b > 1) ok_ = false;
  v = b == 1;
}

std::optional<std::span<const std::byte>> Reader::blob(std::size_t max) {
  std::uint16_t size = 0;
  u16(size);
  if (!ok_ || size > max) {
    ok_ = false;
    return std::nullopt;
  }
  if (!take(size)) return std::nullopt;
  return in_.subspan(pos_ - size, size);
}

void Reader::str(std::string& v, std::size_t max) {
  auto b = blob(max);
  if (!b) return;
  v.assign(reinterpret_cast<const char*>(b->data()), b->size());
  if (!valid_utf8(v)) ok_ = false;
}

void Reader::bytes(std::vector<std::uint8_t>& v, std::size_t max) {
  auto b = blob(max);
  if (!b) return;
  const auto* p = reinterpret_cast<const std::uint8_t*>(b->data());
  v.assign(p, p + b->size());
}

}  // namespace gs::session
