// Knobs (common/knob.hpp) of what PeerHost adds over the transport and the session:
// the per-source limit on unauthenticated connections and the timeout of links between
// roles. Declared once; the config schema reads YAML within their ranges.
#pragma once

#include <chrono>
#include <cstddef>

#include "common/knob.hpp"

namespace gs::peers::knobs {

using std::chrono::milliseconds;

// Connections from one host (IPv4 address, IPv6 /64) on a listener that finished DTLS
// but whose session has not authenticated (SourceLimits).
inline constexpr Knob<std::size_t> max_unauthenticated_per_source{"max_unauthenticated_per_source", 8, 1,
                                                                  100'000, "connections"};
// Silence after which a link between roles (a gateway's or world's link to auth) is
// closed: the channel timeout of links. Shorter than the channel's own default: links
// run on the operator's own network, and a crashed auth says nothing, so this is how
// long failover takes.
inline constexpr Knob<milliseconds> link_timeout{"link_timeout", milliseconds(3000), milliseconds(1000),
                                                 milliseconds(600'000), "ms"};

template <class F>
void for_each(F&& f) {
  f(max_unauthenticated_per_source);
  f(link_timeout);
}

}  // namespace gs::peers::knobs
