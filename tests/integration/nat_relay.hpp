#pragma once
// A NAT in the test: clients send to the relay's front port, and the relay forwards each
// client's datagrams to the server from a back socket of that client's own (a mapping),
// sending the replies back to it. rebind(i) swaps mapping i's back socket for a new one,
// as a NAT does when a mapping expires: the server then sees that client's datagrams
// come from a new source port, and what it sends to the old port is lost. Mappings are
// numbered in the order their clients first spoke.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

namespace gs::test {

class NatRelay {
 public:
  using udp = asio::ip::udp;

  NatRelay(asio::io_context& io, udp::endpoint server)
      : io_(io), server_(server), front_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive_front();
  }

  std::uint16_t port() const { return front_.local_endpoint().port(); }
  std::size_t mappings() const { return order_.size(); }

  // The new socket is bound before the old one closes, so its port always differs.
  void rebind(std::size_t mapping) {
    Mapping& m = *order_.at(mapping);
    udp::socket old = std::move(m.back);
    m.back = udp::socket(io_);
    ++m.generation;
    open(m);
    asio::error_code ignored;
    old.close(ignored);
  }
  std::uint16_t back_port(std::size_t mapping) const {
    return order_.at(mapping)->back.local_endpoint().port();
  }

 private:
  struct Mapping {
    explicit Mapping(asio::io_context& io) : back(io) {}
    udp::socket back;
    std::uint64_t generation = 0;  // of `back`: a handler of an older socket stops
    udp::endpoint client, from;
    std::array<std::byte, 65536> buf{};
  };

  void open(Mapping& m) {
    m.back.open(udp::v4());
    m.back.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    receive_back(m);
  }
  void receive_front() {
    front_.async_receive_from(asio::buffer(front_buf_), sender_, [this](asio::error_code ec, std::size_t n) {
      if (ec) return;
      auto& slot = by_client_[sender_];
      if (!slot) {
        slot = std::make_unique<Mapping>(io_);
        slot->client = sender_;
        order_.push_back(slot.get());
        open(*slot);
      }
      slot->back.send_to(asio::buffer(front_buf_.data(), n), server_, 0, ec);  // lost, as on a NAT
      receive_front();
    });
  }
  // A closed socket's handler ends with an error, or finds a newer generation, and does
  // not re-arm (a datagram it had already received is dropped, as by a NAT).
  void receive_back(Mapping& m) {
    m.back.async_receive_from(asio::buffer(m.buf), m.from,
                              [this, &m, generation = m.generation](asio::error_code ec, std::size_t n) {
                                if (ec || generation != m.generation) return;
                                front_.send_to(asio::buffer(m.buf.data(), n), m.client, 0, ec);
                                receive_back(m);
                              });
  }

  asio::io_context& io_;
  udp::endpoint server_;
  udp::socket front_;
  udp::endpoint sender_;
  std::array<std::byte, 65536> front_buf_{};
  std::map<udp::endpoint, std::unique_ptr<Mapping>> by_client_;
  std::vector<Mapping*> order_;
};

}  // namespace gs::test
