// Buffer I/O between wolfSSL and the owner of the socket; internal to the dtls layer.
#pragma once

#include "net/address.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace gs::dtls::detail {

// Receives the datagrams a wolfSSL object writes.
class Transmitter {
 public:
  virtual ~Transmitter() = default;
  virtual void transmit(const net::Address& to, std::span<const std::uint8_t> datagram) = 0;
};

// The I/O context of one wolfSSL object: at most one pending input datagram, output
// forwarded to a Transmitter (or captured, for tentative processing).
struct Io {
  const std::uint8_t* in = nullptr;
  std::size_t in_len = 0;
  Transmitter* out = nullptr;
  net::Address peer;
  std::vector<std::vector<std::uint8_t>>* capture = nullptr;  // sent here instead of out
  std::vector<std::vector<std::uint8_t>>* keep = nullptr;     // sent to out and copied here
  std::uint64_t datagrams_out = 0;
  // The highest handshake message_seq sent in an epoch-0 record that begins a datagram:
  // it grows with each new flight, not when wolfSSL resends one (on our timer or because
  // the peer's flight came again).
  std::int32_t flight_seq = -1;
  std::uint64_t oversized_in = 0;
  void* owner = nullptr;  // the Client or Server session owning the wolfSSL object

  void feed(std::span<const std::uint8_t> datagram) {
    in = datagram.data();
    in_len = datagram.size();
  }
  void clear_input() {
    in = nullptr;
    in_len = 0;
  }
};

}  // namespace gs::dtls::detail
