#include "net/address.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <charconv>
#include <cstring>

namespace gs::net {

namespace {

bool parse_port(std::string_view s, std::uint16_t& port) {
  if (s.empty()) return false;
  unsigned value = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || p != s.data() + s.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::optional<Address> Address::parse(std::string_view host_port) {
  std::string host;
  std::string_view port_part;
  if (!host_port.empty() && host_port.front() == '[') {
    auto close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() || host_port[close + 1] != ':')
      return std::nullopt;
    host.assign(host_port.substr(1, close - 1));
    port_part = host_port.substr(close + 2);
  } else {
    auto colon = host_port.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host.assign(host_port.substr(0, colon));
    port_part = host_port.substr(colon + 1);
    if (host.find(':') != std::string::npos) return std::nullopt;  // v6 needs brackets
  }
  std::uint16_t port = 0;
  if (!parse_port(port_part, port)) return std::nullopt;

  sockaddr_in v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return from_sockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
  }
  sockaddr_in6 v6{};
  std::string addr_only = host;
  std::uint32_t scope = 0;
  if (auto pct = host.find('%'); pct != std::string::npos) {
    addr_only = host.substr(0, pct);
    scope = if_nametoindex(host.c_str() + pct + 1);
    if (scope == 0) return std::nullopt;
  }
  if (inet_pton(AF_INET6, addr_only.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    v6.sin6_scope_id = scope;
    return from_sockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
  }
  return std::nullopt;
}

Address Address::from_sockaddr(const sockaddr* sa, socklen_t len) {
  Address a;
  if (sa == nullptr) return a;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof(in));
    auto* out = reinterpret_cast<sockaddr_in*>(&a.storage_);
    out->sin_family = AF_INET;
    out->sin_port = in.sin_port;
    out->sin_addr = in.sin_addr;
    a.len_ = sizeof(sockaddr_in);
  } else if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof(in6));
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
      auto* out = reinterpret_cast<sockaddr_in*>(&a.storage_);
      out->sin_family = AF_INET;
      out->sin_port = in6.sin6_port;
      std::memcpy(&out->sin_addr, &in6.sin6_addr.s6_addr[12], 4);
      a.len_ = sizeof(sockaddr_in);
    } else {
      auto* out = reinterpret_cast<sockaddr_in6*>(&a.storage_);
      out->sin6_family = AF_INET6;
      out->sin6_port = in6.sin6_port;
      out->sin6_addr = in6.sin6_addr;
      out->sin6_scope_id = in6.sin6_scope_id;
      a.len_ = sizeof(sockaddr_in6);
    }
  }
  return a;
}

Address Address::from_endpoint(const asio::ip::udp::endpoint& ep) {
  return from_sockaddr(ep.data(), static_cast<socklen_t>(ep.size()));
}

Address Address::v4(std::uint32_t host_order_ip, std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = htonl(host_order_ip);
  return from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof(in));
}

Address Address::loopback_v6(std::uint16_t port) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port);
  in6.sin6_addr = in6addr_loopback;
  return from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof(in6));
}

std::uint16_t Address::port() const {
  if (is_v4()) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (is_v6()) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void Address::set_port(std::uint16_t port) {
  if (is_v4()) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (is_v6()) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

socklen_t Address::to_socket_form(int socket_family, sockaddr_storage& out) const {
  out = sockaddr_storage{};
  if (family() == socket_family) {
    std::memcpy(&out, &storage_, len_);
    return len_;
  }
  if (socket_family == AF_INET6 && is_v4()) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage_);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = in->sin_port;
    in6->sin6_addr.s6_addr[10] = 0xff;
    in6->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&in6->sin6_addr.s6_addr[12], &in->sin_addr, 4);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

asio::ip::udp::endpoint Address::endpoint() const {
  asio::ip::udp::endpoint ep;
  if (len_ > 0) {
    std::memcpy(ep.data(), &storage_, len_);
    ep.resize(len_);
  }
  return ep;
}

std::string Address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage_);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (is_v6()) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(port());
  }
  return "(none)";
}

std::size_t Address::hash() const {
  // FNV-1a over the normalized bytes; the padding is always zero.
  std::uint64_t h = 1469598103934665603ull;
  const auto* p = reinterpret_cast<const unsigned char*>(&storage_);
  for (socklen_t i = 0; i < len_; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h ^ (h >> 29));
}

bool operator==(const Address& a, const Address& b) {
  return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
}

}  // namespace gs::net
