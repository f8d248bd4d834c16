// The DTLS layer's tuning knobs (common/knob.hpp), declared once: ServerConfig and
// ClientConfig take their defaults from them, the config schema reads YAML within their
// ranges, and docs/PROTOCOL.md's table 2.3 is tested against them.
#pragma once

#include <chrono>
#include <cstddef>

#include "common/knob.hpp"

namespace gs::dtls::knobs {

using gs::Knob;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Sessions of one server in total (handshaking + established).
inline constexpr Knob<std::size_t> max_peers{"max_peers", 10'000, 1, 1'000'000, "sessions"};
// Sessions of one server whose handshake is not finished.
inline constexpr Knob<std::size_t> max_half_open{"max_half_open", 1000, 1, 1'000'000, "sessions"};
// Of those, from one host (IPv4 address, IPv6 /64): so that one host on many ports
// cannot take every handshake slot.
inline constexpr Knob<std::size_t> max_half_open_per_source{"max_half_open_per_source", 8, 1, 10'000,
                                                            "sessions"};
// Time a handshake may take from the first ClientHello (server) or from connect()
// (client) before it is given up with handshake_timeout.
inline constexpr Knob<milliseconds> handshake_timeout{"handshake_timeout", milliseconds(10'000),
                                                      milliseconds(1000), milliseconds(600'000), "ms"};
// How often the server's cookie secret changes; the previous one stays valid for one
// more period.
inline constexpr Knob<milliseconds> cookie_rotation{"cookie_rotation", milliseconds(300'000),
                                                    milliseconds(1000), milliseconds(86'400'000), "ms"};
// First handshake retransmission timeout, and the ceiling it doubles up to. wolfSSL
// counts them in whole seconds.
inline constexpr Knob<seconds> retransmit_initial{"retransmit_initial", seconds(1), seconds(1), seconds(60),
                                                  "s"};
inline constexpr Knob<seconds> retransmit_max{"retransmit_max", seconds(8), seconds(1), seconds(60), "s"};

// Calls f(knob) for every DTLS knob, e.g. to print the accepted ranges.
template <class F>
void for_each(F&& f) {
  f(max_peers);
  f(max_half_open);
  f(max_half_open_per_source);
  f(handshake_timeout);
  f(cookie_rotation);
  f(retransmit_initial);
  f(retransmit_max);
}

}  // namespace gs::dtls::knobs
