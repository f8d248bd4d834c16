#include "store/address_group.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <arpa/inet.h>

namespace gs::store {

namespace {

// inet_pton needs a NUL-terminated string; no literal address is longer than this.
constexpr std::size_t max_literal = INET6_ADDRSTRLEN;

bool is_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  unsigned value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// The address part of `text`, without brackets or port; nullopt when its shape is wrong.
std::optional<std::string_view> host_part(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = text.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1)))) return std::nullopt;
    return text.substr(1, close - 1);
  }
  auto colons = std::count(text.begin(), text.end(), ':');
  if (colons != 1) return text;  // IPv4 without port, or bare IPv6
  auto colon = text.find(':');
  if (!is_port(text.substr(colon + 1))) return std::nullopt;
  return text.substr(0, colon);
}

void keep_prefix(std::uint8_t* bytes, std::size_t size, unsigned bits) {
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit + 8 <= bits) continue;
    const unsigned keep = bits > first_bit ? bits - first_bit : 0;
    bytes[i] &= static_cast<std::uint8_t>(0xff00u >> keep);
  }
}

std::string v4_group(const std::uint8_t* ip, unsigned bits) {
  std::array<std::uint8_t, 4> net{};
  std::memcpy(net.data(), ip, net.size());
  bits = std::min(bits, 32u);
  keep_prefix(net.data(), net.size(), bits);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, net.data(), text, sizeof(text));
  return "v4:" + std::string(text) + "/" + std::to_string(bits);
}

std::string v6_group(const std::uint8_t* ip, unsigned bits) {
  std::array<std::uint8_t, 16> net{};
  std::memcpy(net.data(), ip, net.size());
  bits = std::min(bits, 128u);
  keep_prefix(net.data(), net.size(), bits);
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, net.data(), text, sizeof(text));
  return "v6:" + std::string(text) + "/" + std::to_string(bits);
}

bool is_v4_mapped(const std::uint8_t* ip) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(ip, prefix, sizeof(prefix)) == 0;
}

}  // namespace

std::optional<std::string> address_group(std::string_view client_address, AddressPrefixes prefixes) {
  auto host = host_part(client_address);
  if (!host || host->empty() || host->size() >= max_literal) return std::nullopt;
  // inet_pton would stop at an embedded NUL and read "1.2.3.4\0junk" as 1.2.3.4.
  if (host->find('\0') != std::string_view::npos) return std::nullopt;
  char literal[max_literal] = {};
  std::memcpy(literal, host->data(), host->size());

  std::uint8_t ip[16] = {};
  if (host->find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, literal, ip) != 1) return std::nullopt;
    return v4_group(ip, prefixes.v4);
  }
  if (inet_pton(AF_INET6, literal, ip) != 1) return std::nullopt;
  if (is_v4_mapped(ip)) return v4_group(ip + 12, prefixes.v4);
  return v6_group(ip, prefixes.v6);
}

}  // namespace gs::store
