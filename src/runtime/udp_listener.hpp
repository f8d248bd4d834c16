#pragma once
// A bound UDP socket with a receive loop. Until a role installs a handler, every
// datagram is counted and dropped: nothing unauthenticated gets an answer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include <spdlog/logger.h>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include "common/units.hpp"

namespace gs {

class UdpListener {
 public:
  using Handler = std::function<void(std::span<const std::byte>, const asio::ip::udp::endpoint& from)>;

  UdpListener(asio::io_context& io, std::string role, Endpoint where, std::shared_ptr<spdlog::logger> log);

  // Binds (throws StartError naming the role and address), logs
  // "<role> listening on <address>", and starts receiving.
  void start(Handler handler = {});
  void stop();

  asio::ip::udp::endpoint local_endpoint() const;
  std::uint64_t datagrams_received() const { return received_; }

 private:
  void receive();

  asio::io_context& io_;
  std::string role_;
  Endpoint where_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<asio::ip::udp::socket> socket_;
  Handler handler_;
  asio::ip::udp::endpoint from_;
  std::array<std::byte, 2048> buffer_{};
  std::uint64_t received_ = 0;
};

}  // namespace gs
