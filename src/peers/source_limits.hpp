#pragma once
// The per-source limit on connections that finished DTLS but whose session has not
// authenticated yet: one host (an IPv4 address or an IPv6 /64, net/source.hpp) on many
// ports must not hold every connection slot of a listener while it never logs in.
// PeerHost asks admit() for each accepted connection and tells release() of each close;
// a refused connection is closed at once and never gets a session.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "net/source.hpp"
#include "transport/host.hpp"

namespace gs::peers {

class SourceLimits {
 public:
  // Connections per source that may be unauthenticated at once; 0 = no limit (the
  // default, for hosts that only connect out).
  void set_max_unauthenticated(std::size_t max) { max_ = max; }
  std::size_t max_unauthenticated() const { return max_; }

  // A connection accepted from `address`. `authenticated(id)` says whether an earlier
  // connection has authenticated since (it then no longer counts). False, counted, when
  // the source already holds the limit: the caller closes the connection.
  bool admit(transport::ConnectionId id, const net::Address& address,
             const std::function<bool(transport::ConnectionId)>& authenticated);
  // Every connection's close. True if admit() had refused it (it has no session).
  bool release(transport::ConnectionId id);

  std::uint64_t refused() const { return refused_; }
  // Connections counted against their source now (some may have authenticated since).
  std::size_t tracked() const { return source_of_.size(); }

 private:
  std::size_t max_ = 0;
  std::uint64_t refused_ = 0;
  std::unordered_map<net::Source, std::vector<transport::ConnectionId>, net::SourceHash> by_source_;
  std::unordered_map<transport::ConnectionId, net::Source> source_of_;
  std::unordered_set<transport::ConnectionId> refused_ids_;
};

}  // namespace gs::peers
