#include "transport/host.hpp"

#include <asio/post.hpp>

#include <array>
#include <stdexcept>

namespace gs::transport {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::handshaking: return "handshaking";
    case Phase::connected: return "connected";
    case Phase::ending: return "ending";
    case Phase::closed: return "closed";
  }
  return "unknown";
}

namespace {

// Holds a socket's send batch open for a scope (see net::UdpEndpoint::begin_batch).
class SocketBatch {
 public:
  explicit SocketBatch(net::UdpEndpoint* socket) : socket_(socket) {
    if (socket_) socket_->begin_batch();
  }
  ~SocketBatch() {
    if (socket_) socket_->end_batch();
  }
  SocketBatch(const SocketBatch&) = delete;
  SocketBatch& operator=(const SocketBatch&) = delete;

 private:
  net::UdpEndpoint* socket_;
};

std::span<const std::byte> as_bytes(std::span<const std::uint8_t> s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
std::span<const std::uint8_t> as_u8(std::span<const std::byte> s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

struct Host::Connection final : gs::channel::ChannelEvents, dtls::ClientHandler {
  Connection(Host& h, ConnectionId i, const net::Address& p, bool out)
      : host(h), id(i), peer(p), outgoing(out) {}

  Host& host;
  ConnectionId id;
  net::Address peer;
  bool outgoing;
  dtls::PeerId peer_id = 0;
  std::unique_ptr<net::UdpEndpoint> socket;  // outgoing connections only
  std::unique_ptr<dtls::Client> client;      // outgoing connections only
  std::unique_ptr<gs::channel::Channel> channel;
  Phase phase = Phase::handshaking;  // changed only by Host::set_phase
  std::array<Time, 4> entered{};     // when each phase was entered (Time{} if never)
  bool dirty = false;                // on the host's dirty list (not a phase)
  // A close() not applied yet: it takes effect when the connection is next serviced
  // from the event loop, never inside the caller's stack (see host.hpp).
  std::optional<CloseMode> close_request;
  Time scheduled = Time::max();
  std::uint64_t records_sent = 0;
  std::uint64_t records_received = 0;
  std::uint64_t send_failures = 0;

  // gs::channel::ChannelEvents
  void on_message(std::size_t lane, std::span<const std::byte> message, Time) override {
    if (phase == Phase::connected) host.handler_.on_message(id, lane, message);
  }
  void on_closed(const gs::End& end, Time) override { host.on_channel_closed(*this, end); }

  // dtls::ClientHandler
  void on_transmit(std::span<const std::uint8_t> datagram) override {
    if (socket) socket->send(peer, datagram);
  }
  void on_connected() override { host.open_channel(*this, host.now_); }
  void on_data(std::span<const std::uint8_t> payload) override { host.on_record(*this, payload, host.now_); }
  void on_closed(const gs::End& end) override { host.on_dtls_closed(*this, end); }
};

// Marks entry from the event loop or the owner: refreshes the cached time.
struct Host::Entry {
  explicit Entry(Host& h) { h.now_ = h.options_.clock(); }
};

// Holds now_ still while Host code hands out events (see Host::send).
class Host::Busy {
 public:
  explicit Busy(Host& h) : host_(h), was_(h.busy_) { h.busy_ = true; }
  ~Busy() { host_.busy_ = was_; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  Host& host_;
  bool was_;
};

Host::Host(asio::io_context& io, HostOptions options, Handler& handler)
    : io_(io),
      options_(std::move(options)),
      handler_(handler),
      reassembly_(options_.channel.reassembly_total),
      timer_(io) {
  if (auto err = gs::channel::validate(options_.channel); !err.empty())
    throw std::invalid_argument("channel configuration: " + err);
  if (options_.channel.max_datagram > dtls::kMaxRecordPayload)
    throw std::invalid_argument("channel max_datagram exceeds the DTLS record payload");
  now_ = options_.clock();
  if (options_.server) {
    dtls::ServerHandler& events = *this;
    server_ = std::make_unique<dtls::Server>(*options_.server, events, now_);
    options_.server->private_key_pem.clear();
    listen_ = std::make_unique<net::UdpEndpoint>(io_, options_.listen, options_.listen_udp);
    listen_->start(
        [this](const net::Address& from, std::span<const std::uint8_t> d) {
          begin_receive_batch();
          server_->receive(from, d, now_);
        },
        [this] {
          end_receive_batch();
          arm_timer(server_->next_wakeup());
        });
    arm_timer(server_->next_wakeup());
  }
}

Host::~Host() {
  *alive_ = false;
  timer_.cancel();
  // No callbacks from here on: connections and sessions are released silently.
  for (auto& [id, c] : connections_) {
    if (c->socket) c->socket->close();
  }
}

Host::Connection* Host::find(ConnectionId id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

net::Address Host::local_address() const { return listen_ ? listen_->local_address() : net::Address{}; }

ConnectionId Host::connect(const net::Address& server, std::string server_name) {
  Entry e(*this);
  if (!options_.client || server.empty()) return 0;
  const ConnectionId id = next_id_++;
  auto c = std::make_unique<Connection>(*this, id, server, true);
  try {
    auto any = server.is_v4() ? net::Address::v4(0, 0) : *net::Address::parse("[::]:0");
    c->socket = std::make_unique<net::UdpEndpoint>(io_, any, options_.client_udp);
  } catch (const std::exception&) {
    return 0;
  }
  c->entered[static_cast<std::size_t>(Phase::handshaking)] = now_;
  c->client = std::make_unique<dtls::Client>(options_.client, *c, std::move(server_name));
  Connection* raw = c.get();
  raw->socket->start(
      [this, raw](const net::Address& from, std::span<const std::uint8_t> d) {
        if (raw->phase == Phase::closed || !(from == raw->peer)) {
          ++stats_.dropped_datagrams;
          return;
        }
        begin_receive_batch();
        raw->client->receive(d, now_);
      },
      [this] { end_receive_batch(); });
  connections_.emplace(id, std::move(c));
  raw->client->start(now_);
  if (raw->phase != Phase::closed) {
    if (auto t = raw->client->next_wakeup()) schedule(*raw, *t);
  }
  return id;
}

// The one place a connection's phase changes.
void Host::set_phase(Connection& c, Phase next, Time now) {
  if (next <= c.phase) return;
  c.phase = next;
  c.entered[static_cast<std::size_t>(next)] = now;
}

void Host::open_channel(Connection& c, Time now) {
  if (c.phase != Phase::handshaking) return;
  c.channel = std::make_unique<gs::channel::Channel>(options_.channel, now, c, &reassembly_);
  set_phase(c, Phase::connected, now);
  ++stats_.connected;
  handler_.on_connected(c.id, c.peer);
  mark_dirty(c);
}

void Host::on_record(Connection& c, std::span<const std::uint8_t> payload, Time now) {
  ++c.records_received;
  if (!c.channel || c.phase == Phase::closed) return;
  c.channel->receive(as_bytes(payload), now);
  mark_dirty(c);
}

void Host::on_channel_closed(Connection& c, const gs::End& end) {
  this->end(c, end);
  mark_dirty(c);  // lets the channel send CLOSE / CLOSE_ACK, then finalize
}

void Host::on_dtls_closed(Connection& c, const gs::End& end) {
  if (c.phase == Phase::handshaking) ++stats_.connect_failures;
  this->end(c, end);
  finalize(c, /*dtls_closed=*/true);
}

void Host::end(Connection& c, gs::End end) {
  if (c.phase >= Phase::ending) return;
  set_phase(c, Phase::ending, now_);
  ++stats_.closed;
  // Reported from the loop's next flush, never from the stack that ended it: the caller
  // may be a handler walking its own table of connections.
  ConnectionStats last = *stats(c.id);
  ended_.push_back({c.id, std::move(end), std::move(last)});
  request_flush();
}

void Host::deliver_ended() {
  // Called again from inside a handler's on_closed (shutdown() there): the outer call's
  // loop reports these too, and swapping the list under it would break its walk.
  if (!delivering_.empty()) return;
  while (!ended_.empty()) {
    delivering_.swap(ended_);
    for (const Ended& e : delivering_) handler_.on_closed(e.id, e.end);
    delivering_.clear();
  }
}

void Host::apply_close_request(Connection& c, Time now) {
  const CloseMode mode = *c.close_request;
  c.close_request.reset();
  if (!c.channel) {
    end(c, gs::End{gs::EndCode::local, {}});
    finalize(c);
  } else if (mode == CloseMode::immediate) {
    c.channel->close(now);
  } else {
    c.channel->close_after_flush(now);
  }
}

void Host::finalize(Connection& c, bool dtls_closed) {
  if (c.phase == Phase::closed) return;
  set_phase(c, Phase::closed, now_);
  if (!dtls_closed) {
    if (c.outgoing) {
      c.client->close();
    } else if (server_) {
      server_->close(c.peer_id);
    }
  }
  if (!c.outgoing) by_peer_.erase(c.peer_id);
  if (c.socket) c.socket->flush();  // the close_notify leaves before the socket closes
  auto it = connections_.find(c.id);
  if (it != connections_.end()) {
    graveyard_.push_back(std::move(it->second));
    connections_.erase(it);
    post_reap();
  }
}

void Host::post_reap() {
  if (reap_posted_) return;
  reap_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  // Sockets may be inside their own receive loop now; free them from a fresh handler.
  asio::post(io_, [this, alive] {
    if (alive.expired() || !*alive.lock()) return;
    reap_posted_ = false;
    graveyard_.clear();
  });
}

void Host::send_record(Connection& c, std::span<const std::byte> datagram) {
  if (c.phase == Phase::closed) return;
  dtls::SendResult r =
      c.outgoing ? c.client->send(as_u8(datagram)) : server_->send(c.peer_id, as_u8(datagram));
  if (r == dtls::SendResult::ok) {
    ++c.records_sent;
  } else {
    ++c.send_failures;
  }
}

void Host::service(Connection& c, Time now) {
  if (c.phase == Phase::closed) return;
  if (c.close_request) apply_close_request(c, now);
  if (c.phase == Phase::closed) return;
  if (c.channel) {
    c.channel->poll(now, [&](std::span<const std::byte> d) { send_record(c, d); });
    if (c.channel->state() == gs::channel::State::closed) {
      finalize(c);
      return;
    }
  }
  if (c.phase == Phase::closed) return;
  Time next = c.channel ? c.channel->next_wakeup() : Time::max();
  if (c.client) {
    if (auto t = c.client->next_wakeup()) next = std::min(next, *t);
  }
  schedule(c, next);
}

void Host::begin_receive_batch() {
  // One clock read per drained batch: the time every datagram in it is handled at. A
  // stale time here would make acks look instant and round-trip times collapse to zero.
  if (in_receive_batch_) return;
  in_receive_batch_ = true;
  now_ = options_.clock();
}

void Host::end_receive_batch() {
  now_ = options_.clock();
  flush_dirty();
  in_receive_batch_ = false;
}

void Host::mark_dirty(Connection& c) {
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(c.id);
  }
  request_flush();
}

void Host::request_flush() {
  if (!flush_posted_ && !in_receive_batch_) {
    flush_posted_ = true;
    std::weak_ptr<bool> alive = alive_;
    asio::post(io_, [this, alive] {
      if (alive.expired() || !*alive.lock()) return;
      flush_posted_ = false;
      now_ = options_.clock();
      flush_dirty();
    });
  }
}

void Host::flush_dirty() {
  // What servicing queues on a socket leaves in one sendmmsg per socket when its batch
  // ends, instead of after a posted flush. Connections are only reaped later (from the
  // graveyard), so their sockets outlive this loop. Not re-entered: it runs only from
  // the loop's own callbacks (batch end, posted flush, timer), never from a handler.
  // Ended connections are reported here too; a handler's on_closed may send or close
  // others, which makes more work for this same loop.
  Busy busy(*this);
  SocketBatch listen_batch(listen_.get());
  while (!dirty_.empty() || !ended_.empty()) {
    flushing_.swap(dirty_);
    for (ConnectionId id : flushing_) {
      if (Connection* c = find(id)) {
        c->dirty = false;
        SocketBatch socket_batch(c->socket.get());
        service(*c, now_);
      }
    }
    flushing_.clear();
    deliver_ended();
  }
}

void Host::schedule(Connection& c, Time at) {
  if (at == Time::max() || at >= c.scheduled) return;
  c.scheduled = at;
  deadlines_.emplace(at, c.id);
  arm_timer(at);
}

void Host::arm_timer(Time at) {
  if (at >= timer_at_) return;
  timer_at_ = at;
  timer_.expires_at(at);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const asio::error_code& ec) {
    if (ec || alive.expired() || !*alive.lock()) return;
    on_timer();
  });
}

void Host::on_timer() {
  Entry e(*this);
  Busy busy(*this);
  ++stats_.timer_wakeups;
  timer_at_ = Time::max();
  const Time now = now_;
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    auto [at, id] = deadlines_.top();
    deadlines_.pop();
    Connection* c = find(id);
    if (c == nullptr || c->scheduled != at) continue;
    c->scheduled = Time::max();
    if (c->client && !c->channel) c->client->update(now);
    if (Connection* again = find(id)) service(*again, now);
  }
  if (server_) {
    if (server_->next_wakeup() <= now) server_->update(now);
  }
  flush_dirty();
  Time next = Time::max();
  if (!deadlines_.empty()) next = deadlines_.top().first;
  if (server_) next = std::min(next, server_->next_wakeup());
  arm_timer(next);
}

SendResult Host::send(ConnectionId id, std::size_t lane, std::span<const std::byte> message) {
  Connection* c = find(id);
  if (c == nullptr || c->phase != Phase::connected || c->close_request) return SendResult::closed;
  // Inside a receive batch or while Host code hands out events, every channel runs at
  // now_; reading the clock here would move this channel ahead of the rest of the batch,
  // and its clock back when the batch goes on. From the owner's own code the clock is
  // read afresh (now_ only moves forward, so no channel sees time go back).
  if (!in_receive_batch_ && !busy_) now_ = options_.clock();
  SendResult r = c->channel->send(lane, message, now_);
  if (r == SendResult::ok) mark_dirty(*c);
  return r;
}

void Host::close(ConnectionId id, CloseMode mode) {
  Connection* c = find(id);
  if (c == nullptr || c->phase == Phase::closed) return;
  // An immediate close always wins over a pending flushing one.
  if (!c->close_request || mode == CloseMode::immediate) c->close_request = mode;
  mark_dirty(*c);
}

void Host::shutdown() {
  Entry e(*this);
  Busy busy(*this);
  std::vector<ConnectionId> ids;
  for (const auto& [id, c] : connections_) ids.push_back(id);
  for (ConnectionId id : ids) {
    Connection* c = find(id);
    if (c == nullptr) continue;
    if (c->channel) {
      c->channel->close(now_);
      c->channel->poll(now_, [&](std::span<const std::byte> d) { send_record(*c, d); });
    }
    end(*c, gs::End{gs::EndCode::shutdown, {}});
    finalize(*c);
  }
  if (listen_) listen_->flush();
  deliver_ended();  // the one call that reports before it returns (see host.hpp)
}

bool Host::export_keying_material(ConnectionId id, std::string_view label,
                                  std::span<const std::uint8_t> context, std::span<std::uint8_t> out) {
  Connection* c = find(id);
  if (c == nullptr || c->phase == Phase::closed) return false;
  return c->outgoing ? c->client->export_keying_material(label, context, out)
                     : server_->export_keying_material(c->peer_id, label, context, out);
}

void Host::replace_certificate(const std::string& certificate_pem, std::string private_key_pem) {
  if (!server_) throw std::runtime_error("this host does not listen, so it has no certificate to replace");
  server_->replace_certificate(certificate_pem, std::move(private_key_pem));
}

std::optional<ConnectionStats> Host::stats(ConnectionId id) const {
  const Connection* c = find(id);
  if (c == nullptr) {
    // Freed but not yet reported: the numbers as they were when it ended.
    for (const auto* list : {&ended_, &delivering_})
      for (const Ended& e : *list)
        if (e.id == id) return e.last_stats;
    return std::nullopt;
  }
  ConnectionStats s;
  s.peer = c->peer;
  s.outgoing = c->outgoing;
  s.connected = c->phase == Phase::connected;
  s.phase = c->phase;
  s.phase_entered = c->entered[static_cast<std::size_t>(c->phase)];
  if (c->phase != Phase::closed)
    s.cipher = c->outgoing ? c->client->cipher_name() : server_->cipher_name(c->peer_id);
  s.records_sent = c->records_sent;
  s.records_received = c->records_received;
  s.record_send_failures = c->send_failures;
  if (c->channel) s.channel = c->channel->stats();
  return s;
}

HostStats Host::stats() const {
  HostStats s = stats_;
  s.connections = connections_.size();
  s.reassembly_used = reassembly_.used();
  if (listen_) s.listen_udp = listen_->stats();
  if (server_) {
    s.dtls = server_->stats();
    s.dtls_half_open = server_->half_open_count();
  }
  return s;
}

// dtls::ServerHandler ------------------------------------------------------------

void Host::on_transmit(const net::Address& to, std::span<const std::uint8_t> d) { listen_->send(to, d); }

void Host::on_accepted(dtls::PeerId peer, const net::Address& from) {
  const ConnectionId id = next_id_++;
  auto c = std::make_unique<Connection>(*this, id, from, false);
  c->peer_id = peer;
  c->entered[static_cast<std::size_t>(Phase::handshaking)] = now_;
  Connection& ref = *c;
  connections_.emplace(id, std::move(c));
  by_peer_[peer] = id;
  open_channel(ref, now_);
}

void Host::on_data(dtls::PeerId peer, std::span<const std::uint8_t> payload) {
  auto it = by_peer_.find(peer);
  if (it == by_peer_.end()) return;
  if (Connection* c = find(it->second)) on_record(*c, payload, now_);
}

void Host::on_closed(dtls::PeerId peer, const gs::End& end) {
  auto it = by_peer_.find(peer);
  if (it == by_peer_.end()) return;
  Connection* c = find(it->second);
  by_peer_.erase(it);
  if (c == nullptr) return;
  on_dtls_closed(*c, end);
}

}  // namespace gs::transport
