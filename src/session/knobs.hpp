// The session layer's tuning knobs (common/knob.hpp), declared once: SessionConfig
// takes its defaults from them, the config schema reads YAML within their ranges, and
// docs/PROTOCOL.md's table 3.3 is tested against them.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/knob.hpp"

namespace gs::session::knobs {

using std::chrono::milliseconds;

// Time from the DTLS handshake's end within which both sides must have completed
// authentication; then the session closes with auth_timeout.
inline constexpr Knob<milliseconds> auth_timeout{"auth_timeout", milliseconds(5000), milliseconds(1000),
                                                 milliseconds(600'000), "ms"};
// Unexpected or malformed messages tolerated before closing with protocol_error.
inline constexpr Knob<std::uint32_t> max_bad_messages{"max_bad_messages", 16, 0, 100'000, "messages"};

// Calls f(knob) for every session knob.
template <class F>
void for_each(F&& f) {
  f(auth_timeout);
  f(max_bad_messages);
}

}  // namespace gs::session::knobs
