#include "admin/peer_metrics.hpp"

#include <algorithm>

namespace gs::admin {
namespace {

void accumulate(channel::ChannelStats& sum, const channel::ChannelStats& s) {
  sum.packets_sent += s.packets_sent;
  sum.packets_received += s.packets_received;
  sum.bytes_sent += s.bytes_sent;
  sum.bytes_received += s.bytes_received;
  sum.packets_lost += s.packets_lost;
  sum.retransmitted += s.retransmitted;
  sum.bytes_retransmitted += s.bytes_retransmitted;
  sum.messages_sent += s.messages_sent;
  sum.messages_received += s.messages_received;
}

// What collect() reads from the host before writing anything.
struct Snapshot {
  std::size_t by_state[5] = {};
  channel::ChannelStats sum;
  double rtt_sum = 0, rtt_max = 0;
  std::size_t rtt_count = 0, connections = 0;
  transport::HostStats host_stats;
  double source_refused = 0;  // per_source.max_unauthenticated refusals
};

Snapshot take_snapshot(const std::unordered_set<transport::ConnectionId>& ids,
                       const channel::ChannelStats& retired, peers::PeerHost* host) {
  Snapshot snap;
  snap.sum = retired;
  if (!host) return snap;
  snap.host_stats = host->transport().stats();
  snap.connections = host->transport().connection_count();
  snap.source_refused = static_cast<double>(host->source_limits().refused());
  for (auto id : ids) {
    if (auto* peer = host->find(id)) ++snap.by_state[static_cast<std::size_t>(peer->session().state())];
    auto stats = host->transport().stats(id);
    if (!stats) continue;
    accumulate(snap.sum, stats->channel);
    if (stats->channel.srtt.count() > 0) {
      double rtt = seconds(stats->channel.srtt);
      snap.rtt_sum += rtt;
      snap.rtt_max = std::max(snap.rtt_max, rtt);
      ++snap.rtt_count;
    }
  }
  return snap;
}

void write_connections(MetricsWriter& out, const Snapshot& snap, std::size_t with_session) {
  using session::State;
  const auto& by_state = snap.by_state;
  const auto connections = snap.connections;
  const char* connections_help =
      "Connections open now, by state (dtls_handshaking: before the session exists)";
  out.gauge("gameserver_connections", connections_help,
            static_cast<double>(connections > with_session ? connections - with_session : 0),
            {{"state", "dtls_handshaking"}});
  for (State state : {State::handshaking, State::authenticating, State::connected, State::closing})
    out.gauge("gameserver_connections", connections_help,
              static_cast<double>(by_state[static_cast<std::size_t>(state)]),
              {{"state", std::string(session::to_string(state))}});
}

// One series per reason, zeros included, so a dashboard sees every reason from the start.
void write_closed(MetricsWriter& out, const std::map<EndCode, std::uint64_t>& closed) {
  for (EndCode code : kEndCodes) {
    if (code == EndCode::none) continue;
    const auto it = closed.find(code);
    out.counter("gameserver_connections_closed_total",
                "Sessions ended, by reason (gs::EndCode names, as logged)",
                it == closed.end() ? 0.0 : static_cast<double>(it->second),
                {{"reason", std::string(to_string(code))}});
  }
}

void write_dtls(MetricsWriter& out, const Snapshot& snap) {
  const auto& host_stats = snap.host_stats;
  const auto& dtls = host_stats.dtls;
  out.counter("gameserver_dtls_handshakes_total", "DTLS handshakes completed by the listening socket",
              static_cast<double>(dtls.handshakes_completed));
  const char* failures_help = "DTLS handshakes that failed or were refused, by reason";
  out.counter("gameserver_dtls_handshake_failures_total", failures_help,
              static_cast<double>(dtls.handshakes_failed), {{"reason", "failed"}});
  out.counter("gameserver_dtls_handshake_failures_total", failures_help,
              static_cast<double>(dtls.handshake_timeouts), {{"reason", "timeout"}});
  out.counter("gameserver_dtls_handshake_failures_total", failures_help,
              static_cast<double>(dtls.refused_peer_cap), {{"reason", "peer_cap"}});
  out.counter("gameserver_dtls_handshake_failures_total", failures_help,
              static_cast<double>(dtls.refused_half_open_cap), {{"reason", "half_open_cap"}});
  out.counter("gameserver_dtls_handshake_failures_total", failures_help,
              static_cast<double>(dtls.refused_no_ems), {{"reason", "no_extended_master_secret"}});
  out.counter("gameserver_dtls_handshake_failures_total", failures_help,
              static_cast<double>(dtls.refused_source_half_open_cap), {{"reason", "source_half_open_cap"}});
  out.counter(
      "gameserver_connections_refused_total",
      "Connections closed right after their DTLS handshake, by reason (source_unauthenticated_cap: "
      "their host already held per_source.max_unauthenticated connections that had not authenticated)",
      snap.source_refused, {{"reason", "source_unauthenticated_cap"}});
  out.counter("gameserver_dtls_cookie_challenges_total",
              "Stateless cookie challenges sent (HelloVerifyRequest)",
              static_cast<double>(dtls.hello_verify_sent));
  out.counter("gameserver_dtls_cookies_accepted_total",
              "ClientHellos with a valid cookie (the only ones that create per-peer state)",
              static_cast<double>(dtls.cookies_accepted));
  const char* repairs_help =
      "DTLS handshakes repaired under loss, by kind (final_flight_resent: our last flight again to a client "
      "that missed it; stale_hello_dropped: a late copy of a session's own ClientHello)";
  out.counter("gameserver_dtls_handshake_repairs_total", repairs_help,
              static_cast<double>(dtls.final_flights_resent), {{"kind", "final_flight_resent"}});
  out.counter("gameserver_dtls_handshake_repairs_total", repairs_help, static_cast<double>(dtls.stale_hellos),
              {{"kind", "stale_hello_dropped"}});
  out.counter("gameserver_dtls_resends_deferred_total",
              "DTLS handshake resends held back because the server had sent 1,000 resent flights that second",
              static_cast<double>(dtls.resends_deferred));
  out.gauge("gameserver_dtls_half_open", "DTLS handshakes under way on the listening socket (capped)",
            static_cast<double>(host_stats.dtls_half_open));
  out.counter("gameserver_udp_datagrams_total", "UDP datagrams on the listening socket",
              static_cast<double>(host_stats.listen_udp.datagrams_received), {{"direction", "received"}});
  out.counter("gameserver_udp_datagrams_total", "UDP datagrams on the listening socket",
              static_cast<double>(host_stats.listen_udp.datagrams_sent), {{"direction", "sent"}});
}

void write_channel(MetricsWriter& out, const Snapshot& snap) {
  const auto& sum = snap.sum;
  const auto rtt_sum = snap.rtt_sum;
  const auto rtt_max = snap.rtt_max;
  const auto rtt_count = snap.rtt_count;
  out.gauge("gameserver_channel_rtt_seconds", "Smoothed round-trip time over the connections open now",
            rtt_count ? rtt_sum / static_cast<double>(rtt_count) : 0.0, {{"stat", "mean"}});
  out.gauge("gameserver_channel_rtt_seconds", "Smoothed round-trip time over the connections open now",
            rtt_max, {{"stat", "max"}});
  out.counter("gameserver_channel_packets_total", "Channel packets (datagrams) sent and received",
              static_cast<double>(sum.packets_sent), {{"direction", "sent"}});
  out.counter("gameserver_channel_packets_total", "Channel packets (datagrams) sent and received",
              static_cast<double>(sum.packets_received), {{"direction", "received"}});
  out.counter("gameserver_channel_bytes_total", "Channel datagram bytes sent and received",
              static_cast<double>(sum.bytes_sent), {{"direction", "sent"}});
  out.counter("gameserver_channel_bytes_total", "Channel datagram bytes sent and received",
              static_cast<double>(sum.bytes_received), {{"direction", "received"}});
  out.counter("gameserver_channel_packets_lost_total", "Channel packets the sender declared lost",
              static_cast<double>(sum.packets_lost));
  out.counter("gameserver_channel_retransmissions_total", "Messages or fragments sent again",
              static_cast<double>(sum.retransmitted));
  out.counter("gameserver_channel_retransmitted_bytes_total", "Bytes of messages or fragments sent again",
              static_cast<double>(sum.bytes_retransmitted));
  out.counter("gameserver_channel_messages_total", "Channel messages sent and delivered",
              static_cast<double>(sum.messages_sent), {{"direction", "sent"}});
  out.counter("gameserver_channel_messages_total", "Channel messages sent and delivered",
              static_cast<double>(sum.messages_received), {{"direction", "received"}});
}

}  // namespace

void PeerMetrics::added(const peers::Peer& peer) { ids_.insert(peer.id()); }

void PeerMetrics::removed(peers::PeerHost& host, const peers::Peer& peer, const End& end) {
  if (ids_.erase(peer.id()) == 0) return;
  if (end.ended()) ++closed_[end.code];
  if (auto stats = host.transport().stats(peer.id())) accumulate(retired_, stats->channel);
}

void PeerMetrics::collect(MetricsWriter& out, peers::PeerHost* host) const {
  const Snapshot snap = take_snapshot(ids_, retired_, host);
  write_connections(out, snap, ids_.size());
  write_closed(out, closed_);
  write_dtls(out, snap);
  write_channel(out, snap);
}

}  // namespace gs::admin
