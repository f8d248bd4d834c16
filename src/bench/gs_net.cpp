#include "bench/net.hpp"

#include "common/event_loop.hpp"
#include "transport/host.hpp"

#include <fmt/format.h>
#include <asio/io_context.hpp>

namespace gs::bench {

namespace {

class GsNet final : public Net, private transport::Handler {
 public:
  GsNet(transport::HostOptions options, const net::Address& server, std::chrono::microseconds busy_poll)
      : server_(server), host_(io_, std::move(options), *this), loop_(io_, busy_poll) {}

  ConnId connect() override { return host_.connect(server_); }
  bool send(ConnId id, std::span<const std::uint8_t> m) override {
    auto r = host_.send(id, 0, {reinterpret_cast<const std::byte*>(m.data()), m.size()});
    return r == transport::SendResult::ok;
  }
  void close(ConnId id) override { host_.close(id, transport::CloseMode::immediate); }
  void step(std::chrono::microseconds wait) override {
    // Waiting, one handler at a time, as the roles' EventLoop::run() does: a poll()
    // after it would ask epoll once more for every message (a system call per wake-up).
    if (wait.count() <= 0) {
      io_.poll();
    } else {
      loop_.run_one(wait);
    }
    if (io_.stopped()) io_.restart();
  }
  std::string name() const override { return "gameserver"; }
  net::Address local_address() const override { return host_.local_address(); }
  std::string stats_line(ConnId id) const override {
    auto s = host_.stats(id);
    if (!s) return {};
    const auto& c = s->channel;
    using us = std::chrono::microseconds;
    return fmt::format(
        "srtt={}us min_rtt={}us packets_sent={} lost={} retransmitted={} pto={} "
        "send_rate={:.1f}MB/s delivery_rate={:.1f}MB/s cwnd={} records_sent={} received={}",
        std::chrono::duration_cast<us>(c.srtt).count(), std::chrono::duration_cast<us>(c.min_rtt).count(),
        c.packets_sent, c.packets_lost, c.retransmitted, c.pto_count, c.send_rate / 1e6,
        c.delivery_rate / 1e6, c.cwnd, s->records_sent, s->records_received);
  }

 private:
  void on_connected(transport::ConnectionId id, const net::Address&) override {
    if (events.connected) events.connected(id);
  }
  void on_message(transport::ConnectionId id, std::size_t, std::span<const std::byte> m) override {
    if (events.message) events.message(id, {reinterpret_cast<const std::uint8_t*>(m.data()), m.size()});
  }
  void on_closed(transport::ConnectionId id, const End& end) override {
    if (events.closed) {
      std::string why(to_string(end.code));
      if (!end.detail.empty()) why += ": " + end.detail;
      events.closed(id, why);
    }
  }

  asio::io_context io_{1};
  net::Address server_;
  transport::Host host_;
  EventLoop loop_;
};

}  // namespace

std::unique_ptr<Net> make_gs_server(const GsServerOptions& o) {
  transport::HostOptions h;
  h.listen = o.listen;
  dtls::ServerConfig s;
  s.certificate_pem = o.certificate_pem;
  s.private_key_pem = o.private_key_pem;
  s.max_peers = o.max_peers;
  s.max_half_open = 2000;
  h.server = s;
  return std::make_unique<GsNet>(std::move(h), net::Address{}, o.busy_poll);
}

std::unique_ptr<Net> make_gs_client(const net::Address& server,
                                    std::shared_ptr<const dtls::ClientContext> trust) {
  transport::HostOptions h;
  h.client = std::move(trust);
  h.client_udp.receive_batch = 8;
  h.client_udp.max_datagram = 1500;
  // The client side of every workload polls without waiting (Net::step(0)).
  return std::make_unique<GsNet>(std::move(h), server, std::chrono::microseconds::zero());
}

}  // namespace gs::bench
