#pragma once
// Sessions over the transport: every transport connection gets a session::Session,
// fed with the connection's events and the DTLS exporter as channel binding, and
// reported to a role through SessionEvents. The one place where the sans-IO session
// meets the event loop.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "config/config.hpp"
#include "peers/source_limits.hpp"
#include "session/session.hpp"
#include "transport/host.hpp"

namespace gs::peers {

// The lanes every gameserver connection has (see protocol::Lane).
channel::ChannelConfig channel_config(const config::ChannelSettings& settings);

// The same for a link between roles: silent after `link_timeout` instead of `timeout`,
// with keepalives often enough (a quarter of it at most) that an idle link never looks dead.
channel::ChannelConfig link_channel_config(const config::ChannelSettings& settings);

// The session settings of every connection.
session::SessionConfig session_config(const config::SessionSettings& settings);

// Resolves "host:port" for connect() and listen; nullopt if it does not resolve.
std::optional<net::Address> resolve(asio::io_context& io, const Endpoint& where);

// Reads a whole PEM or secret file; throws std::runtime_error naming the file.
std::string read_text_file(const std::filesystem::path& path);

class PeerHost;

// One connection's session, and what the role needs to know about it.
class Peer final : public session::SessionTransport {
 public:
  Peer(PeerHost& host, transport::ConnectionId id, net::Address address, const session::SessionConfig& config,
       session::SessionEvents& events, session::Time now);

  session::Session& session() { return session_; }
  transport::ConnectionId id() const { return id_; }
  const net::Address& address() const { return address_; }

  bool send(std::uint8_t lane, std::span<const std::byte> message) override;
  // Asks the transport to close; the peer stays until on_peer_removed (see PeerHost).
  void close(bool flush) override;
  bool closing() const { return closing_; }

 private:
  PeerHost& host_;
  transport::ConnectionId id_;
  net::Address address_;
  session::Session session_;
  bool closing_ = false;
};

// Told when peers come and go, so a role can keep its own per-peer state.
//
// Re-entrancy rule (the transport's, see transport/host.hpp): closing never removes a
// peer synchronously. Peer::close() and Session::close() return with the peer still
// in place; on_peer_removed follows from the event loop afterwards. So a role may close
// peers while it walks its own table of them, and must keep a closed peer's entry
// until on_peer_removed.
class PeerObserver {
 public:
  virtual ~PeerObserver() = default;
  // Before the session starts authenticating. An observer that refuses the peer calls
  // peer.close(): the session then never starts, and on_peer_removed follows as usual.
  virtual void on_peer_added(Peer& peer) = 0;
  // After the session closed; the peer is destroyed right after this call. `end` is the
  // session's end: its own or a role's reason if one ended it first, else the
  // transport's (peer.session().end_reason()).
  virtual void on_peer_removed(Peer& peer, const End& end) = 0;
  // An outgoing connection that never got established (handshake failed or timed out).
  virtual void on_connect_failed(transport::ConnectionId, const End&) {}
};

class PeerHost final : private transport::Handler {
 public:
  PeerHost(asio::io_context& io, transport::HostOptions options, session::SessionConfig session_config,
           session::SessionEvents& events, PeerObserver& observer);
  ~PeerHost() override;

  // An outgoing connection; 0 if it could not be started. `server_name`: the name a
  // CA-issued server certificate must carry (transport::Host::connect).
  transport::ConnectionId connect(const net::Address& server, std::string server_name = {});
  Peer* find(transport::ConnectionId id);
  Peer* find(session::Session& session);
  transport::Host& transport() { return *host_; }
  std::size_t peers() const { return peers_.size(); }
  // Closes every connection at once and stops listening.
  void shutdown();
  // Listening hosts: at most `max` connections per source host whose session has not
  // authenticated; more are closed at once, without a session (0 = no limit).
  void limit_unauthenticated_per_source(std::size_t max) { source_limits_.set_max_unauthenticated(max); }
  const SourceLimits& source_limits() const { return source_limits_; }

 private:
  friend class Peer;
  void on_connected(transport::ConnectionId id, const net::Address& peer) override;
  void on_message(transport::ConnectionId id, std::size_t lane, std::span<const std::byte> message) override;
  void on_closed(transport::ConnectionId id, const End& end) override;
  void tick();

  asio::io_context& io_;
  session::SessionConfig session_config_;
  session::SessionEvents& events_;
  PeerObserver& observer_;
  std::unique_ptr<transport::Host> host_;
  std::unordered_map<transport::ConnectionId, std::unique_ptr<Peer>> peers_;
  std::unordered_map<session::Session*, Peer*> by_session_;
  std::vector<std::unique_ptr<Peer>> graveyard_;
  SourceLimits source_limits_;
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gs::peers
