#include "dtls/records.hpp"

#include <algorithm>

namespace gs::dtls {

namespace {

std::uint32_t be24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

constexpr std::uint16_t kExtendedMasterSecret = 0x0017;  // RFC 7627
constexpr std::size_t kHandshakeHeaderSize = 12;

// True when the extensions block at body[pos...msg_len) (a 2-byte length, then type,
// length, data entries) is well formed and holds `type`.
bool has_extension(const std::uint8_t* body, std::size_t pos, std::size_t msg_len, std::uint16_t type) {
  if (pos + 2 > msg_len) return false;
  std::size_t end = pos + 2 + be16(body + pos);
  if (end > msg_len) return false;
  for (pos += 2; pos + 4 <= end;) {
    std::uint16_t t = be16(body + pos);
    std::size_t len = be16(body + pos + 2);
    pos += 4;
    if (pos + len > end) return false;
    if (t == type) return true;
    pos += len;
  }
  return false;
}

// The body of an unfragmented epoch-0 handshake message of `type` in the record at
// d[at...], and the record's total size; body is null when the record is something else.
struct HandshakeRecord {
  const std::uint8_t* body = nullptr;
  std::size_t body_len = 0;
  std::size_t record_size = 0;  // 0: no complete record at `at`
};

HandshakeRecord handshake_record(std::span<const std::uint8_t> d, std::size_t at, std::uint8_t type) {
  HandshakeRecord r;
  if (d.size() < at + kRecordHeaderSize) return r;
  const std::uint8_t* p = d.data() + at;
  std::size_t rec_len = be16(p + 11);
  if (rec_len > d.size() - at - kRecordHeaderSize) return r;
  r.record_size = kRecordHeaderSize + rec_len;
  if (p[0] != kContentHandshake || p[1] != 0xfe) return r;                 // DTLS versions are 0xfeXX
  if (p[3] != 0 || p[4] != 0 || rec_len < kHandshakeHeaderSize) return r;  // epoch 0
  const std::uint8_t* h = p + kRecordHeaderSize;
  std::uint32_t msg_len = be24(h + 1);
  if (h[0] != type || be24(h + 6) != 0 || be24(h + 9) != msg_len || msg_len > rec_len - kHandshakeHeaderSize)
    return r;
  r.body = h + kHandshakeHeaderSize;
  r.body_len = msg_len;
  return r;
}

}  // namespace

ServerHelloInfo inspect_server_hello(std::span<const std::uint8_t> d) {
  ServerHelloInfo info;
  for (std::size_t at = 0; at < d.size();) {
    HandshakeRecord r = handshake_record(d, at, 2);  // server_hello
    if (r.record_size == 0) break;
    at += r.record_size;
    // version, random, session id, cipher suite, compression, then the extensions
    if (r.body == nullptr || r.body_len < 2 + 32 + 1) continue;
    std::size_t pos = 2 + 32;
    pos += 1 + r.body[pos];
    if (pos + 3 > r.body_len) continue;
    info.is_server_hello = true;
    info.extended_master_secret = has_extension(r.body, pos + 3, r.body_len, kExtendedMasterSecret);
  }
  return info;
}

bool is_client_key_exchange(std::span<const std::uint8_t> d) {
  for (std::size_t at = 0; at < d.size();) {
    HandshakeRecord r = handshake_record(d, at, 16);  // client_key_exchange
    if (r.record_size == 0) return false;
    if (r.body != nullptr) return true;
    at += r.record_size;
  }
  return false;
}

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
  if (p[3] != 0 || p[4] != 0) return info;                     // epoch 0
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
  std::copy(body + 2, body + 2 + info.random.size(), info.random.begin());
  pos += 1 + cookie;
  if (pos + 2 > msg_len) return info;
  pos += 2 + be16(body + pos);  // cipher suites
  if (pos + 1 > msg_len) return info;
  pos += 1 + body[pos];  // compression methods
  info.extended_master_secret = has_extension(body, pos, msg_len, kExtendedMasterSecret);
  return info;
}

}  // namespace gs::dtls
