// A UDP proxy that loses and delays datagrams, for measuring under impairment.
#pragma once

#include "net/address.hpp"

#include <atomic>
#include <cstdint>

namespace gs::bench {

struct ProxyOptions {
  net::Address listen;
  net::Address upstream;
  double loss = 0;      // probability of dropping each datagram, each direction
  double delay_ms = 0;  // added one-way delay, each direction
  std::uint32_t seed = 1;
};

// Forwards datagrams between clients and `upstream` (one upstream socket per client
// address; towards an IPv4 loopback upstream these sockets take 127.0.0.2..33 in turn,
// like clients on different hosts) until `stop` is set. Prints "listening on ADDR"
// once bound.
int run_proxy(const ProxyOptions& options, const std::atomic<bool>& stop);

}  // namespace gs::bench
