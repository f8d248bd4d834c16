#pragma once
// The metrics every role's listening PeerHost has in common: connections by state,
// DTLS handshakes and their failures, and channel totals (RTT, loss,
// retransmissions, bytes, packets) summed over the host's connections. Counters
// include connections that have closed, so they never go down.

#include <cstdint>
#include <map>
#include <unordered_set>

#include "admin/metrics.hpp"
#include "channel/channel.hpp"
#include "peers/peer_host.hpp"

namespace gs::admin {

class PeerMetrics {
 public:
  // From the role's PeerObserver::on_peer_added.
  void added(const peers::Peer& peer);
  // From PeerObserver::on_peer_removed, while the connection's statistics still exist.
  // `end` is counted under its code's name, the word the role's logs print.
  void removed(peers::PeerHost& host, const peers::Peer& peer, const End& end);

  // Writes the `gameserver_connections`, `gameserver_connections_closed_total`,
  // `gameserver_dtls_*` and `gameserver_channel_*` families. `host` may be null (the role has not started):
  // zeros are written.
  void collect(MetricsWriter& out, peers::PeerHost* host) const;

 private:
  std::unordered_set<transport::ConnectionId> ids_;
  channel::ChannelStats retired_;
  std::map<EndCode, std::uint64_t> closed_;  // sessions ended, by reason
};

}  // namespace gs::admin
