#include "dtls/records.hpp"

namespace dtls {

namespace {

std::uint32_t be24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}

}  // namespace

bool is_single_record(std::span<const std::uint8_t> d) {
  if (d.size() < kRecordHeaderSize) return false;
  std::size_t rec_len = (std::size_t{d[11]} << 8) | d[12];
  return kRecordHeaderSize + rec_len == d.size();
}

bool is_lone_first_record(std::span<const std::uint8_t> d) {
  if (!is_single_record(d)) return false;
  for (std::size_t i = 5; i < 11; ++i)  // the 48-bit sequence number
    if (d[i] != 0) return false;
  return true;
}

HelloInfo inspect_client_hello(std::span<const std::uint8_t> d) {
  HelloInfo info;
  constexpr std::size_t kHs = 12;
  if (d.size() < kRecordHeaderSize + kHs + 2 + 32 + 1) return info;
  const std::uint8_t* p = d.data();
  if (p[0] != kContentHandshake || p[1] != 0xfe) return info;  // DTLS versions are 0xfeXX
  if (p[3] != 0 || p[4] != 0) return info;                      // epoch 0
  std::size_t rec_len = (std::size_t{p[11]} << 8) | p[12];
  if (rec_len > d.size() - kRecordHeaderSize || rec_len < kHs) return info;
  const std::uint8_t* h = p + kRecordHeaderSize;
  if (h[0] != 1) return info;  // client_hello
  std::uint32_t msg_len = be24(h + 1);
  std::uint32_t frag_off = be24(h + 6);
  std::uint32_t frag_len = be24(h + 9);
  if (frag_off != 0 || frag_len != msg_len || msg_len > rec_len - kHs) return info;
  std::size_t pos = 2 + 32;
  const std::uint8_t* body = h + kHs;
  if (pos + 1 > msg_len) return info;
  std::size_t sid = body[pos];
  pos += 1 + sid;
  if (sid > 32 || pos + 1 > msg_len) return info;
  std::size_t cookie = body[pos];
  if (pos + 1 + cookie > msg_len) return info;
  info.is_client_hello = true;
  info.has_cookie = cookie > 0;
  return info;
}

}  // namespace dtls
