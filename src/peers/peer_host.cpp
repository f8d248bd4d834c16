#include "peers/peer_host.hpp"

#include <algorithm>

#include <fstream>
#include <sstream>

#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <cstring>

#include "protocol/messages.hpp"

namespace gs::peers {

namespace {

// Label of the RFC 5705 exporter whose output binds link proofs to this DTLS session.
constexpr std::string_view binding_label = "EXPORTER-gameserver-session-binding";
constexpr std::size_t binding_bytes = 32;
constexpr auto tick_interval = std::chrono::milliseconds(50);

}  // namespace

channel::ChannelConfig channel_config(const config::ChannelSettings& settings) {
  channel::ChannelConfig c;
  c.max_datagram = static_cast<std::uint32_t>(settings.max_datagram);
  c.max_message = static_cast<std::uint32_t>(settings.max_message);
  c.keepalive_interval = settings.keepalive;
  c.timeout = settings.timeout;
  c.min_rto = settings.min_rto;
  c.initial_rtt = settings.initial_rtt;
  c.max_ack_delay = settings.max_ack_delay;
  c.reassembly_cap = settings.reassembly_cap;
  c.send_queue_cap = settings.send_queue_cap;
  c.max_send_rate = settings.max_send_rate;
  c.fragment_timeout = settings.fragment_timeout;
  auto lane = [](channel::LaneKind kind, const config::LaneSettings& s) {
    return channel::LaneConfig{kind, static_cast<std::uint8_t>(s.priority),
                               static_cast<std::uint16_t>(s.weight)};
  };
  // In protocol::Lane's order; both ends must agree (PROTOCOL.md 1.4, 3.1).
  c.lanes = {
      lane(channel::LaneKind::reliable_ordered, settings.lanes.control),
      lane(channel::LaneKind::reliable_ordered, settings.lanes.reliable),
      lane(channel::LaneKind::reliable_unordered, settings.lanes.unordered),
      lane(channel::LaneKind::unreliable_sequenced, settings.lanes.sequenced),
      lane(channel::LaneKind::unreliable, settings.lanes.unreliable),
  };
  if (c.reassembly_cap < c.max_message) c.reassembly_cap = c.max_message;
  if (c.send_queue_cap < c.max_message) c.send_queue_cap = c.max_message;
  c.reassembly_total = std::max(settings.reassembly_total, c.reassembly_cap);
  return c;
}

channel::ChannelConfig link_channel_config(const config::ChannelSettings& settings) {
  channel::ChannelConfig c = channel_config(settings);
  c.timeout = std::chrono::duration_cast<decltype(c.timeout)>(settings.link_timeout);
  c.keepalive_interval = std::min(c.keepalive_interval,
                                  std::chrono::duration_cast<decltype(c.keepalive_interval)>(c.timeout / 4));
  return c;
}

session::SessionConfig session_config(const config::SessionSettings& settings) {
  session::SessionConfig c;
  c.auth_timeout = settings.auth_timeout;
  c.max_bad_messages = settings.max_bad_messages;
  return c;
}

std::optional<net::Address> resolve(asio::io_context& io, const Endpoint& where) {
  asio::error_code ec;
  asio::ip::udp::resolver resolver(io);
  auto results =
      resolver.resolve(where.host, std::to_string(where.port), asio::ip::udp::resolver::numeric_service, ec);
  if (ec || results.empty()) return std::nullopt;
  return net::Address::from_endpoint(results.begin()->endpoint());
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Peer::Peer(PeerHost& host, transport::ConnectionId id, net::Address address,
           const session::SessionConfig& config, session::SessionEvents& events, session::Time now)
    : host_(host), id_(id), address_(std::move(address)), session_(config, *this, events, now) {}

bool Peer::send(std::uint8_t lane, std::span<const std::byte> message) {
  return host_.host_->send(id_, lane, message) == transport::SendResult::ok;
}

void Peer::close(bool flush) {
  closing_ = true;
  host_.host_->close(id_, flush ? transport::CloseMode::after_flush : transport::CloseMode::immediate);
}

PeerHost::PeerHost(asio::io_context& io, transport::HostOptions options,
                   session::SessionConfig session_config, session::SessionEvents& events,
                   PeerObserver& observer)
    : io_(io), session_config_(session_config), events_(events), observer_(observer), timer_(io) {
  host_ = std::make_unique<transport::Host>(io, std::move(options), static_cast<transport::Handler&>(*this));
  tick();
}

PeerHost::~PeerHost() {
  *alive_ = false;
  timer_.cancel();
  host_.reset();
}

transport::ConnectionId PeerHost::connect(const net::Address& server, std::string server_name) {
  return host_->connect(server, std::move(server_name));
}

Peer* PeerHost::find(transport::ConnectionId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

Peer* PeerHost::find(session::Session& session) {
  auto it = by_session_.find(&session);
  return it == by_session_.end() ? nullptr : it->second;
}

void PeerHost::shutdown() { host_->shutdown(); }

void PeerHost::on_connected(transport::ConnectionId id, const net::Address& address) {
  auto authenticated = [this](transport::ConnectionId held) {
    Peer* p = find(held);
    return p != nullptr && p->session().entered(session::State::connected) != session::Time{};
  };
  if (!source_limits_.admit(id, address, authenticated)) {
    host_->close(id, transport::CloseMode::immediate);
    return;
  }
  auto now = session::Time::clock::now();
  auto peer = std::make_unique<Peer>(*this, id, address, session_config_, events_, now);
  Peer& p = *peer;
  by_session_[&p.session()] = &p;
  peers_[id] = std::move(peer);
  observer_.on_peer_added(p);
  if (p.closing()) return;  // refused by the observer: it never starts authenticating
  std::array<std::uint8_t, binding_bytes> binding{};
  if (!host_->export_keying_material(id, binding_label, {}, binding)) {
    // Without channel binding no link proof could be trusted: refuse the connection.
    host_->close(id, transport::CloseMode::immediate);
    return;
  }
  p.session().transport_open(binding, now);
}

void PeerHost::on_message(transport::ConnectionId id, std::size_t lane, std::span<const std::byte> message) {
  if (Peer* p = find(id))
    p->session().transport_message(static_cast<std::uint8_t>(lane), message, session::Time::clock::now());
}

void PeerHost::on_closed(transport::ConnectionId id, const End& end) {
  if (source_limits_.release(id)) return;  // refused in on_connected: it never had a session
  auto it = peers_.find(id);
  if (it == peers_.end()) {
    // A connect() whose handshake failed: there was never a session.
    observer_.on_connect_failed(id, end);
    return;
  }
  std::unique_ptr<Peer> peer = std::move(it->second);
  peers_.erase(it);
  by_session_.erase(&peer->session());
  peer->session().transport_closed(end, session::Time::clock::now());
  observer_.on_peer_removed(*peer, peer->session().end_reason());
  // The close may have started inside a call on this very session: free it later.
  graveyard_.push_back(std::move(peer));
  if (graveyard_.size() == 1)
    asio::post(io_, [this, alive = alive_] {
      if (*alive) graveyard_.clear();
    });
}

void PeerHost::tick() {
  auto now = session::Time::clock::now();
  // update() may close sessions; closing never removes peers synchronously (the Host
  // reports on_closed from the loop later), so walking the table here is safe.
  for (auto& [id, peer] : peers_) peer->session().update(now);
  timer_.expires_after(tick_interval);
  timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive) return;
    tick();
  });
}

}  // namespace gs::peers
