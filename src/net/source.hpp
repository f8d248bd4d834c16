// The host an address belongs to, for limits per source: one IPv4 address (/32) or
// one IPv6 /64 (the smallest block a site is usually given, so one host cannot
// escape the limit by cycling through the addresses of its own network).
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/address.hpp"

namespace gs::net {

struct Source {
  bool v6 = false;
  std::uint64_t bits = 0;  // the IPv4 address, or the first 64 bits of the IPv6 one

  friend bool operator==(const Source&, const Source&) = default;
};

// The port (and an IPv6 address's lower 64 bits and scope) left out.
Source source_of(const Address& address);

struct SourceHash {
  std::size_t operator()(const Source& s) const {
    std::uint64_t h = s.bits * 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>((h ^ (h >> 31)) + (s.v6 ? 1 : 0));
  }
};

}  // namespace gs::net
