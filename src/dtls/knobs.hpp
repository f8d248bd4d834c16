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
// Handshake retransmission, run by our own timer (dtls/retransmit.hpp), not wolfSSL's:
// a flight unanswered for retransmit_initial is sent again, twice more at that interval,
// then after twice that, and so on up to retransmit_max between two sends, until
// handshake_timeout. Once the client has measured the round trip (its ClientHello
// answered without a resend) its later flights wait 2 x RTT instead (no less than
// retransmit_rtt_floor).
inline constexpr Knob<milliseconds> retransmit_initial{"retransmit_initial", milliseconds(250),
                                                       milliseconds(10), milliseconds(60'000), "ms"};
inline constexpr Knob<milliseconds> retransmit_max{"retransmit_max", milliseconds(2000), milliseconds(10),
                                                   milliseconds(60'000), "ms"};
// Not a knob: the shortest first wait an RTT measurement may give (never above
// retransmit_initial). A server's flight costs it about a millisecond of signing, more
// under load, which a loopback RTT does not show.
inline constexpr milliseconds retransmit_rtt_floor{100};
// Not a knob: the first three resends of a flight each follow its first wait
// (retransmit_initial, or 2 x RTT); only the wait before the fourth doubles. Under
// random loss a flight lost twice is usually just unlucky, not a sign of congestion,
// and waiting 250 + 500 + 1000 ms for its fourth try made most of the 10% loss p99.
inline constexpr int retransmit_resends_before_backoff = 3;
// Not a knob: a server resends at most this many handshake flights per second in total
// (timer resends, answers to resent hellos, repaired last flights); the rest wait for
// the next second. One handshake resends at most once per retransmit_rtt_floor with the
// default knobs, so the duplicate traffic of max_half_open handshakes stays bounded
// even when every one of them is losing flights at once.
inline constexpr std::size_t handshake_resends_per_second = 1000;

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
