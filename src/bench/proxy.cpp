#include "bench/proxy.hpp"

#include "net/udp_endpoint.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <unordered_map>

namespace gs::bench {

namespace {

// Loss and delay come from the endpoints' own impairment (net::UdpOptions::impairment,
// common/impairment.hpp), the same the tests use: the proxy only forwards.
class Proxy {
 public:
  Proxy(asio::io_context& io, const ProxyOptions& o) : io_(io), o_(o), front_(io, o.listen, impaired({})) {
    front_.start([this](const net::Address& from, std::span<const std::uint8_t> d) {
      flow(from).send(o_.upstream, d);
    });
  }
  net::Address address() const { return front_.local_address(); }
  std::uint64_t dropped() const {
    std::uint64_t n = lost(front_);
    for (const auto& [client, back] : flows_) n += lost(*back);
    return n;
  }

 private:
  static std::uint64_t lost(const net::UdpEndpoint& e) {
    const auto* s = e.impairment_stats();
    return s ? s->lost : 0;
  }

  net::UdpOptions impaired(net::UdpOptions uo) const {
    uo.impairment.loss = o_.loss;
    uo.impairment.latency = std::chrono::duration_cast<impair::Duration>(
        std::chrono::duration<double, std::milli>(o_.delay_ms > 0 ? o_.delay_ms : 0));
    uo.impairment_seed = o_.seed;
    return uo;
  }

  // The address a new flow sends from. Towards an IPv4 loopback server, flows take
  // 127.0.0.2 to 127.0.0.(1 + kLoopbackSources) in turn, like players on different hosts:
  // Linux routes all of 127.0.0.0/8 to the loopback device, so any of them can be bound
  // without configuration, and the server's per-host cap on unfinished handshakes
  // (per_source.max_half_open) does not hold back a bench with many handshakes at a
  // time. IPv6 has one loopback address (::1), so there every flow shares it.
  net::Address source() {
    if (!o_.upstream.is_v4()) return *net::Address::parse("[::]:0");
    if (!o_.upstream.endpoint().address().is_loopback()) return net::Address::v4(0, 0);
    return net::Address::v4(0x7f000002u + next_source_++ % kLoopbackSources, 0);
  }

  net::UdpEndpoint& flow(const net::Address& client) {
    auto it = flows_.find(client);
    if (it != flows_.end()) return *it->second;
    const net::Address any = source();
    net::UdpOptions uo;
    uo.receive_batch = 16;
    auto back = std::make_unique<net::UdpEndpoint>(io_, any, impaired(uo));
    back->start(
        [this, client](const net::Address&, std::span<const std::uint8_t> d) { front_.send(client, d); });
    return *flows_.emplace(client, std::move(back)).first->second;
  }

  static constexpr std::uint32_t kLoopbackSources = 32;

  asio::io_context& io_;
  ProxyOptions o_;
  std::uint32_t next_source_ = 0;
  net::UdpEndpoint front_;
  std::unordered_map<net::Address, std::unique_ptr<net::UdpEndpoint>, net::AddressHash> flows_;
};

}  // namespace

int run_proxy(const ProxyOptions& options, const std::atomic<bool>& stop) {
  asio::io_context io(1);
  Proxy proxy(io, options);
  std::cout << "listening on " << proxy.address().to_string() << " (proxy to " << options.upstream.to_string()
            << ", loss " << options.loss << ", delay " << options.delay_ms << " ms)" << std::endl;
  while (!stop) {
    io.run_for(std::chrono::milliseconds(50));
    if (io.stopped()) io.restart();
  }
  std::cerr << "proxy dropped " << proxy.dropped() << " datagrams\n";
  return 0;
}

}  // namespace gs::bench
