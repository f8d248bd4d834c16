// The reason byte of the channel's CLOSE frame (docs/PROTOCOL.md, "CLOSE reason codes")
// and how it maps to gs::EndCode. The byte values are wire format: they never change.
#pragma once

#include "common/end.hpp"

#include <cstdint>

namespace gs::channel {

enum class CloseCode : std::uint8_t {
  local = 1,           // the sender's close() or a completed close_after_flush()
  remote = 2,          // never sent by this implementation; accepted on receipt
  timeout = 3,         // a flushing close or a reliable message made no progress
  protocol_error = 4,  // the receiver broke the protocol
  overflow = 5,        // the receiver exceeded the sender's reassembly cap
};

// The byte a channel puts in its CLOSE when it closes for `code`. The channel closes
// only for local, timeout, protocol_error and overflow; anything else reads as local.
constexpr std::uint8_t to_wire(EndCode code) {
  switch (code) {
    case EndCode::timeout: return static_cast<std::uint8_t>(CloseCode::timeout);
    case EndCode::protocol_error: return static_cast<std::uint8_t>(CloseCode::protocol_error);
    case EndCode::overflow: return static_cast<std::uint8_t>(CloseCode::overflow);
    default: return static_cast<std::uint8_t>(CloseCode::local);
  }
}

// How the receiver of a CLOSE reports it: the peer's reason, in the remote range. Any
// byte is accepted (PROTOCOL.md); one this implementation never sends reads as remote.
constexpr EndCode from_wire(std::uint8_t code) {
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::timeout: return EndCode::remote_timeout;
    case CloseCode::protocol_error: return EndCode::remote_protocol_error;
    case CloseCode::overflow: return EndCode::remote_overflow;
    case CloseCode::local:
    case CloseCode::remote: return EndCode::remote;
  }
  return EndCode::remote;
}

}  // namespace gs::channel
