// Fuzzes the DTLS server's receive path in memory: datagrams (u16 length prefix
// each) from a few source addresses (picked by one byte), with time moving on.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dtls/certgen.hpp"
#include "dtls/server.hpp"

namespace {

struct Sink final : gs::dtls::ServerHandler {
  void on_transmit(const gs::net::Address&, std::span<const std::uint8_t>) override {}
  void on_accepted(gs::dtls::PeerId, const gs::net::Address&) override {}
  void on_data(gs::dtls::PeerId, std::span<const std::uint8_t>) override {}
  void on_closed(gs::dtls::PeerId, const gs::End&) override {}
};

const gs::dtls::ServerConfig& config() {
  static const gs::dtls::ServerConfig c = [] {
    auto cert = gs::dtls::generate_self_signed();
    gs::dtls::ServerConfig s;
    s.certificate_pem = cert.certificate_pem;
    s.private_key_pem = cert.private_key_pem;
    s.max_peers = 8;
    s.max_half_open = 4;
    return s;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono_literals;
  Sink sink;
  gs::dtls::TimePoint now{};
  gs::dtls::Server server(config(), sink, now);
  std::size_t at = 0;
  while (at + 3 <= size) {
    auto from = gs::net::Address::v4(0x7f000001u, static_cast<std::uint16_t>(40000 + data[at] % 4));
    std::size_t n = data[at + 1] | (std::size_t(data[at + 2]) << 8);
    at += 3;
    n = std::min(n, size - at);
    server.receive(from, {data + at, n}, now);
    at += n;
    now += 50ms;
    server.update(now);
  }
  return 0;
}
