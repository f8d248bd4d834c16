// Messages of `gameserver bench` (inside the connection, both stacks): explicit
// little-endian encoding, bounds-checked decoding.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace gs::bench {

enum class Workload : std::uint8_t { stream = 1, pingpong = 2, paced = 3, connect = 4, hold = 5 };
std::optional<Workload> parse_workload(std::string_view s);
std::string_view to_string(Workload w);

enum class MsgType : std::uint8_t {
  start = 1,  // u8 workload, u32 messages
  data = 2,   // u32 seq, u64 sent_ns, u32 checksum, filler
  ping = 3,   // same layout as data; echoed back as pong
  pong = 4,
  end = 5,        // the client sent everything; the server answers with report
  report = 6,     // see Report
  rss_query = 7,  // the server answers with rss
  rss = 8,        // u64 resident bytes, u32 connections
};

// Header of data/ping/pong messages; the rest of the message is filler derived from seq.
inline constexpr std::size_t kDataHeader = 1 + 4 + 8 + 4;

struct Report {
  std::uint32_t received = 0;
  std::uint32_t missing = 0;
  std::uint32_t duplicated = 0;
  std::uint32_t out_of_order = 0;
  std::uint32_t corrupt = 0;
  std::uint64_t p50_ns = 0;
  std::uint64_t p99_ns = 0;
  std::uint64_t max_ns = 0;
};

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) { out_.clear(); }
  Writer& u8(std::uint8_t v) {
    out_.push_back(v);
    return *this;
  }
  Writer& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Writer& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }

 private:
  std::vector<std::uint8_t>& out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > in_.size()) return false;
    v = in_[pos_++];
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (pos_ + 4 > in_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{in_[pos_ + static_cast<std::size_t>(i)]} << (8 * i);
    pos_ += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (pos_ + 8 > in_.size()) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{in_[pos_ + static_cast<std::size_t>(i)]} << (8 * i);
    pos_ += 8;
    return true;
  }
  std::span<const std::uint8_t> rest() const { return in_.subspan(pos_); }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

// FNV-1a over the bytes.
inline std::uint32_t checksum(std::span<const std::uint8_t> b) {
  std::uint32_t h = 2166136261u;
  for (std::uint8_t x : b) {
    h ^= x;
    h *= 16777619u;
  }
  return h;
}

// Builds data/ping messages of one size: a fixed filler, and a checksum over the
// sequence number and the filler (FNV-1a), so corruption anywhere is detected.
class DataBuilder {
 public:
  explicit DataBuilder(std::size_t size);
  // The message for `seq`; valid until the next call.
  std::span<const std::uint8_t> make(MsgType type, std::uint32_t seq, std::uint64_t sent_ns);

 private:
  std::vector<std::uint8_t> buf_;
  std::uint32_t filler_hash_ = 0;
};

struct DataView {
  MsgType type{};
  std::uint32_t seq = 0;
  std::uint64_t sent_ns = 0;
  bool intact = false;  // checksum over the filler matches
};
std::optional<DataView> parse_data(std::span<const std::uint8_t> m);

void encode_report(std::vector<std::uint8_t>& out, const Report& r);
std::optional<Report> decode_report(std::span<const std::uint8_t> m);

}  // namespace gs::bench
