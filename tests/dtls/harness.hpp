// In-memory DTLS harness: one Server, any number of Clients, a manual clock and a
// lossy wire under the test's control.
#pragma once

#include "dtls/certgen.hpp"
#include "dtls/client.hpp"
#include "dtls/server.hpp"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gs::dtls::test {

using Bytes = std::vector<std::uint8_t>;

inline const dtls::GeneratedCertificate& server_cert() {
  static const auto cert = dtls::generate_self_signed({"localhost", {"localhost"}, 30});
  return cert;
}
inline const dtls::GeneratedCertificate& other_cert() {
  static const auto cert = dtls::generate_self_signed({"impostor", {"localhost"}, 30});
  return cert;
}

inline Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string text(std::span<const std::uint8_t> b) { return std::string(b.begin(), b.end()); }

struct ServerEvents : dtls::ServerHandler {
  std::deque<std::pair<net::Address, Bytes>> out;
  std::vector<dtls::PeerId> accepted;
  std::map<dtls::PeerId, std::vector<std::string>> data;
  std::vector<std::pair<dtls::PeerId, gs::EndCode>> closed;
  std::vector<std::pair<gs::EndCode, std::string>> failed;
  std::function<void(dtls::PeerId, std::span<const std::uint8_t>)> on_data_hook;

  void on_transmit(const net::Address& to, std::span<const std::uint8_t> d) override {
    out.emplace_back(to, Bytes(d.begin(), d.end()));
  }
  void on_accepted(dtls::PeerId p, const net::Address&) override { accepted.push_back(p); }
  void on_data(dtls::PeerId p, std::span<const std::uint8_t> d) override {
    data[p].push_back(text(d));
    if (on_data_hook) on_data_hook(p, d);
  }
  void on_closed(dtls::PeerId p, const gs::End& end) override { closed.emplace_back(p, end.code); }
  void on_handshake_failed(const net::Address&, const gs::End& end) override {
    failed.emplace_back(end.code, end.detail);
  }
};

struct ClientEvents : dtls::ClientHandler {
  std::deque<Bytes> out;
  bool connected = false;
  std::vector<std::string> data;
  std::optional<gs::EndCode> closed;
  std::string detail;
  void on_transmit(std::span<const std::uint8_t> d) override { out.emplace_back(d.begin(), d.end()); }
  void on_connected() override { connected = true; }
  void on_data(std::span<const std::uint8_t> d) override { data.push_back(text(d)); }
  void on_closed(const gs::End& end) override {
    closed = end.code;
    detail = end.detail;
  }
};

struct Peer {
  net::Address addr;
  ClientEvents events;
  std::unique_ptr<dtls::Client> client;
};

inline dtls::ServerConfig server_config() {
  dtls::ServerConfig c;
  c.certificate_pem = server_cert().certificate_pem;
  c.private_key_pem = server_cert().private_key_pem;
  return c;
}

inline std::shared_ptr<dtls::ClientContext> pinned_context(
    const std::string& pem = server_cert().certificate_pem) {
  dtls::ClientConfig c;
  c.pinned_certificate_pem = pem;
  return std::make_shared<dtls::ClientContext>(c);
}

class World {
 public:
  explicit World(dtls::ServerConfig config = server_config())
      : now(dtls::TimePoint{} + std::chrono::hours(1)),
        server(std::make_unique<dtls::Server>(config, sevents, now)) {}

  Peer& add_client(std::shared_ptr<dtls::ClientContext> ctx = nullptr, std::string server_name = {}) {
    if (!ctx) ctx = default_ctx();
    auto p = std::make_unique<Peer>();
    p->addr = net::Address::v4(0x0a000001u + static_cast<std::uint32_t>(peers.size()),
                               static_cast<std::uint16_t>(40000 + peers.size()));
    p->client = std::make_unique<dtls::Client>(std::move(ctx), p->events, std::move(server_name));
    peers.push_back(std::move(p));
    return *peers.back();
  }

  // Moves datagrams until nothing is in flight. `drop` sees (to_server, datagram) and
  // returns true to lose it.
  void pump(const std::function<bool(bool, const Bytes&)>& drop = {}) {
    for (int guard = 0; guard < 10000; ++guard) {
      bool moved = false;
      while (!sevents.out.empty()) {
        auto [to, d] = std::move(sevents.out.front());
        sevents.out.pop_front();
        moved = true;
        if (drop && drop(false, d)) continue;
        for (auto& p : peers)
          if (p->addr == to && p->client) p->client->receive(d, now);
      }
      for (auto& p : peers) {
        while (!p->events.out.empty()) {
          Bytes d = std::move(p->events.out.front());
          p->events.out.pop_front();
          moved = true;
          if (drop && drop(true, d)) continue;
          server->receive(p->addr, d, now);
        }
      }
      if (!moved) return;
    }
  }

  void advance(std::chrono::milliseconds dt) {
    now += dt;
    server->update(now);
    for (auto& p : peers)
      if (p->client) p->client->update(now);
  }

  bool connect(Peer& p) {
    p.client->start(now);
    pump();
    return p.events.connected && p.client->connected();
  }

  // Starts `p`'s handshake over a lossy wire (`drop` as for pump) and runs the clock in
  // `step`s until both ends have it established, the client gives up, or `limit` has
  // passed. True when both ends are connected.
  bool connect_lossy(Peer& p, const std::function<bool(bool, const Bytes&)>& drop,
                     std::chrono::milliseconds limit = std::chrono::seconds(20),
                     std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
    const std::size_t accepted_before = sevents.accepted.size();
    const auto until = now + limit;
    p.client->start(now);
    pump(drop);
    auto done = [&] { return p.events.connected && sevents.accepted.size() > accepted_before; };
    while (!done() && !p.events.closed && now < until) {
      advance(step);
      pump(drop);
    }
    return done();
  }

  std::shared_ptr<dtls::ClientContext> default_ctx() {
    if (!ctx_) ctx_ = pinned_context();
    return ctx_;
  }

  dtls::TimePoint now;
  ServerEvents sevents;
  std::unique_ptr<dtls::Server> server;
  std::vector<std::unique_ptr<Peer>> peers;

 private:
  std::shared_ptr<dtls::ClientContext> ctx_;
};

}  // namespace gs::dtls::test
