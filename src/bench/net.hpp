// The two stacks `gameserver bench` drives through one small interface: ours (channel in
// DTLS over UDP, transport::Host) and ENet (plain, for comparison).
#pragma once

#include "config/config.hpp"
#include "dtls/client.hpp"
#include "net/address.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace gs::bench {

using ConnId = std::uint64_t;

class Net {
 public:
  struct Events {
    std::function<void(ConnId)> connected;
    std::function<void(ConnId, std::span<const std::uint8_t>)> message;
    std::function<void(ConnId, std::string_view reason)> closed;
  };
  virtual ~Net() = default;
  // Opens a connection to the configured server (clients only); 0 on failure.
  virtual ConnId connect() = 0;
  // Reliable ordered message; false means "not now" (queue full): step and retry.
  virtual bool send(ConnId id, std::span<const std::uint8_t> message) = 0;
  virtual void close(ConnId id) = 0;
  // Processes network I/O and timers, waiting up to `wait` for something to happen.
  virtual void step(std::chrono::microseconds wait) = 0;
  virtual std::string name() const = 0;
  virtual net::Address local_address() const = 0;
  // Connection statistics for the report (empty when the stack has none to offer).
  virtual std::string stats_line(ConnId id) const {
    (void)id;
    return {};
  }
  Events events;
};

struct GsServerOptions {
  net::Address listen;
  std::string certificate_pem;
  std::string private_key_pem;
  std::size_t max_peers = 20000;
  // How long the server's loop polls once idle before sleeping (event_loop.busy_poll).
  std::chrono::microseconds busy_poll = config::EventLoopConfig{}.busy_poll;
};

std::unique_ptr<Net> make_gs_server(const GsServerOptions& options);
std::unique_ptr<Net> make_gs_client(const net::Address& server,
                                    std::shared_ptr<const dtls::ClientContext> trust);

bool have_enet();
// Throw std::runtime_error when ENet is not built in.
std::unique_ptr<Net> make_enet_server(const net::Address& listen, std::size_t max_peers);
std::unique_ptr<Net> make_enet_client(const net::Address& server, std::size_t max_peers);

}  // namespace gs::bench
