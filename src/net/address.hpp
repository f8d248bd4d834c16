// UDP peer addresses: a small value type over sockaddr_in / sockaddr_in6.
#pragma once

// Standard headers first: asio's configuration (aligned allocation) depends on
// libstdc++ macros, and every translation unit must see the same choice.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <netinet/in.h>
#include <sys/socket.h>

#include <asio/ip/udp.hpp>

namespace gs::net {

// An IPv4 or IPv6 address with port. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
// stored as plain IPv4, so one peer has one key whatever socket family received it.
// Two addresses compare equal when family, address, port (and IPv6 scope) are equal.
class Address {
 public:
  Address() = default;

  // Literal "a.b.c.d:port" or "[v6]:port" (no name resolution). Port 0 is allowed.
  static std::optional<Address> parse(std::string_view host_port);
  static Address from_sockaddr(const sockaddr* sa, socklen_t len);
  static Address from_endpoint(const asio::ip::udp::endpoint& ep);
  static Address v4(std::uint32_t host_order_ip, std::uint16_t port);
  static Address loopback_v4(std::uint16_t port) { return v4(0x7f000001u, port); }
  static Address loopback_v6(std::uint16_t port);

  bool empty() const { return len_ == 0; }
  bool is_v4() const { return family() == AF_INET; }
  bool is_v6() const { return family() == AF_INET6; }
  int family() const { return storage_.ss_family; }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);

  // The normalized sockaddr bytes (zeroed padding, flowinfo 0): stable across calls,
  // usable as a key and for binding a DTLS cookie to the sender.
  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const { return len_; }
  std::span<const std::byte> bytes() const {
    return {reinterpret_cast<const std::byte*>(&storage_), static_cast<std::size_t>(len_)};
  }

  // Fills `out` with this address in the form a socket of `socket_family` accepts
  // (IPv4 is mapped to ::ffff:a.b.c.d for IPv6 sockets). Returns the length, 0 if the
  // address cannot be reached from such a socket.
  socklen_t to_socket_form(int socket_family, sockaddr_storage& out) const;

  asio::ip::udp::endpoint endpoint() const;
  std::string to_string() const;
  std::size_t hash() const;

  friend bool operator==(const Address& a, const Address& b);

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

struct AddressHash {
  std::size_t operator()(const Address& a) const { return a.hash(); }
};

}  // namespace gs::net
