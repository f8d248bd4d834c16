#include "bench/protocol.hpp"

namespace gs::bench {

std::optional<Workload> parse_workload(std::string_view s) {
  if (s == "stream") return Workload::stream;
  if (s == "pingpong") return Workload::pingpong;
  if (s == "paced") return Workload::paced;
  if (s == "connect") return Workload::connect;
  if (s == "hold") return Workload::hold;
  return std::nullopt;
}

std::string_view to_string(Workload w) {
  switch (w) {
    case Workload::stream: return "stream";
    case Workload::pingpong: return "pingpong";
    case Workload::paced: return "paced";
    case Workload::connect: return "connect";
    case Workload::hold: return "hold";
  }
  return "unknown";
}

namespace {

std::uint32_t fnv_seq(std::uint32_t h, std::uint32_t seq) {
  for (int i = 0; i < 4; ++i) {
    h ^= static_cast<std::uint8_t>(seq >> (8 * i));
    h *= 16777619u;
  }
  return h;
}

}  // namespace

DataBuilder::DataBuilder(std::size_t size) : buf_(std::max(size, kDataHeader)) {
  for (std::size_t i = kDataHeader; i < buf_.size(); ++i) buf_[i] = static_cast<std::uint8_t>(i * 31 + 7);
  filler_hash_ = checksum(std::span(buf_).subspan(kDataHeader));
}

std::span<const std::uint8_t> DataBuilder::make(MsgType type, std::uint32_t seq, std::uint64_t sent_ns) {
  const std::uint32_t sum = fnv_seq(filler_hash_, seq);
  std::uint8_t* p = buf_.data();
  p[0] = static_cast<std::uint8_t>(type);
  for (int i = 0; i < 4; ++i) p[1 + i] = static_cast<std::uint8_t>(seq >> (8 * i));
  for (int i = 0; i < 8; ++i) p[5 + i] = static_cast<std::uint8_t>(sent_ns >> (8 * i));
  for (int i = 0; i < 4; ++i) p[13 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
  return buf_;
}

std::optional<DataView> parse_data(std::span<const std::uint8_t> m) {
  Reader r(m);
  std::uint8_t type = 0;
  std::uint32_t sum = 0;
  DataView v;
  if (!r.u8(type) || !r.u32(v.seq) || !r.u64(v.sent_ns) || !r.u32(sum)) return std::nullopt;
  v.type = static_cast<MsgType>(type);
  v.intact = fnv_seq(checksum(r.rest()), v.seq) == sum;
  return v;
}

void encode_report(std::vector<std::uint8_t>& out, const Report& r) {
  Writer(out)
      .u8(static_cast<std::uint8_t>(MsgType::report))
      .u32(r.received)
      .u32(r.missing)
      .u32(r.duplicated)
      .u32(r.out_of_order)
      .u32(r.corrupt)
      .u64(r.p50_ns)
      .u64(r.p99_ns)
      .u64(r.max_ns);
}

std::optional<Report> decode_report(std::span<const std::uint8_t> m) {
  Reader rd(m);
  std::uint8_t type = 0;
  Report r;
  if (!rd.u8(type) || type != static_cast<std::uint8_t>(MsgType::report)) return std::nullopt;
  if (!rd.u32(r.received) || !rd.u32(r.missing) || !rd.u32(r.duplicated) || !rd.u32(r.out_of_order) ||
      !rd.u32(r.corrupt) || !rd.u64(r.p50_ns) || !rd.u64(r.p99_ns) || !rd.u64(r.max_ns))
    return std::nullopt;
  return r;
}

}  // namespace gs::bench
