#include "bench/net.hpp"

#include <stdexcept>

#if GS_HAVE_ENET
#include <enet/enet.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <mutex>
#include <unordered_map>
#endif

namespace gs::bench {

#if GS_HAVE_ENET

namespace {

void init_enet() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (enet_initialize() != 0) throw std::runtime_error("enet_initialize failed");
  });
}

ENetAddress to_enet(const net::Address& a) {
  if (!a.is_v4()) throw std::runtime_error("the ENet comparison runs over IPv4 only");
  ENetAddress e{};
  e.host = reinterpret_cast<const sockaddr_in*>(a.data())->sin_addr.s_addr;
  e.port = a.port();
  return e;
}

class EnetNet final : public Net {
 public:
  EnetNet(const net::Address* listen, const net::Address* server, std::size_t peers) {
    init_enet();
    peers = std::min<std::size_t>(peers, ENET_PROTOCOL_MAXIMUM_PEER_ID);
    if (listen != nullptr) {
      ENetAddress a = to_enet(*listen);
      host_ = enet_host_create(&a, peers, 1, 0, 0);
    } else {
      server_ = to_enet(*server);
      host_ = enet_host_create(nullptr, peers, 1, 0, 0);
    }
    if (host_ == nullptr) throw std::runtime_error("enet_host_create failed");
  }
  ~EnetNet() override { enet_host_destroy(host_); }

  ConnId connect() override {
    ENetPeer* p = enet_host_connect(host_, &server_, 1, 0);
    if (p == nullptr) return 0;
    ConnId id = next_id_++;
    p->data = reinterpret_cast<void*>(id);
    peers_[id] = p;
    return id;
  }
  bool send(ConnId id, std::span<const std::uint8_t> m) override {
    auto it = peers_.find(id);
    if (it == peers_.end()) return false;
    // Back-pressure: ENet queues without limit and walks its whole outgoing list on
    // every service call, so hand it at most kBurst messages until it has sent them.
    ENetPeer* peer = it->second;
    if (enet_list_empty(&peer->outgoingCommands)) queued_ = 0;
    if (queued_ >= kBurst) return false;
    ++queued_;
    ENetPacket* pk = enet_packet_create(m.data(), m.size(), ENET_PACKET_FLAG_RELIABLE);
    if (enet_peer_send(it->second, 0, pk) != 0) {
      enet_packet_destroy(pk);
      return false;
    }
    return true;
  }
  void close(ConnId id) override {
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    // Tell the peer and free the slot at once (ENet's host has a fixed peer table).
    ENetPeer* p = it->second;
    p->data = nullptr;
    peers_.erase(it);
    enet_peer_disconnect_now(p, 0);
    if (events.closed) events.closed(id, "local");
  }
  void step(std::chrono::microseconds wait) override {
    ENetEvent ev;
    auto ms = static_cast<enet_uint32>(wait.count() / 1000);
    int r = enet_host_service(host_, &ev, ms);
    while (r > 0) {
      handle(ev);
      r = enet_host_check_events(host_, &ev);
    }
    enet_host_flush(host_);
  }
  std::string name() const override { return "enet"; }
  net::Address local_address() const override {
    ENetAddress a{};
    enet_socket_get_address(host_->socket, &a);
    return net::Address::v4(ntohl(a.host), a.port);
  }

 private:
  void handle(ENetEvent& ev) {
    switch (ev.type) {
      case ENET_EVENT_TYPE_CONNECT: {
        ConnId id = reinterpret_cast<ConnId>(ev.peer->data);
        if (id == 0) {  // accepted on the server
          id = next_id_++;
          ev.peer->data = reinterpret_cast<void*>(id);
          peers_[id] = ev.peer;
        }
        if (events.connected) events.connected(id);
        break;
      }
      case ENET_EVENT_TYPE_RECEIVE: {
        ConnId id = reinterpret_cast<ConnId>(ev.peer->data);
        if (events.message) events.message(id, {ev.packet->data, ev.packet->dataLength});
        enet_packet_destroy(ev.packet);
        break;
      }
      case ENET_EVENT_TYPE_DISCONNECT: {
        ConnId id = reinterpret_cast<ConnId>(ev.peer->data);
        ev.peer->data = nullptr;
        peers_.erase(id);
        if (id != 0 && events.closed) events.closed(id, "disconnect");
        break;
      }
      default: break;
    }
  }

  ENetHost* host_ = nullptr;
  ENetAddress server_{};
  static constexpr std::size_t kBurst = 4096;
  std::size_t queued_ = 0;
  std::unordered_map<ConnId, ENetPeer*> peers_;
  ConnId next_id_ = 1;
};

}  // namespace

bool have_enet() { return true; }

std::unique_ptr<Net> make_enet_server(const net::Address& listen, std::size_t max_peers) {
  return std::make_unique<EnetNet>(&listen, nullptr, max_peers);
}
std::unique_ptr<Net> make_enet_client(const net::Address& server, std::size_t max_peers) {
  return std::make_unique<EnetNet>(nullptr, &server, max_peers);
}

#else

bool have_enet() { return false; }
std::unique_ptr<Net> make_enet_server(const net::Address&, std::size_t) {
  throw std::runtime_error("this build has no ENet (install libenet-dev and reconfigure)");
}
std::unique_ptr<Net> make_enet_client(const net::Address&, std::size_t) {
  throw std::runtime_error("this build has no ENet (install libenet-dev and reconfigure)");
}

#endif

}  // namespace gs::bench
