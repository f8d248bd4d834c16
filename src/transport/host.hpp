// The connection API: reliable-UDP channels inside DTLS 1.2 over asio UDP.
//
// A Host lives on one asio event loop thread and never blocks it. With `server` options
// it listens on one UDP socket and accepts connections (DTLS with stateless cookies,
// then a channel per peer); connect() opens outgoing connections, each on its own
// ephemeral UDP socket (the server tells peers apart by address). Every channel
// datagram travels as exactly one DTLS record in one UDP datagram.
//
// Closing: the channel's close (immediate or after flush) runs first, then DTLS
// close_notify; the connection's state is freed once both are done. Handler callbacks
// run on the loop thread and may call send() and close().
//
// Re-entrancy rule: no call into a Host calls its Handler back before it returns.
// close() only records the request (an immediate close wins over a pending flushing
// one); it takes effect, and on_closed is reported, from the event loop afterwards. So
// a handler may close connections while it walks its own table of them, and its entry
// for a connection stays valid until that connection's on_closed. The one exception is
// shutdown(), which reports on_closed(shutdown) for every connection before it returns
// (called from inside on_closed, right after that callback instead).
#pragma once

#include "channel/channel.hpp"
#include "common/end.hpp"
#include "dtls/client.hpp"
#include "dtls/server.hpp"
#include "net/udp_endpoint.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gs::transport {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using ConnectionId = std::uint64_t;  // never 0
using gs::channel::SendResult;

// Where a connection is in its life. Every change goes through one function
// (Host::set_phase), which records when the phase was entered; phases only move forward.
enum class Phase : std::uint8_t {
  handshaking,  // outgoing: the DTLS handshake is under way, no channel yet
  connected,    // the channel is open and on_connected was reported
  ending,       // the end is decided (on_closed is or will be reported); the channel may
                // still be sending its CLOSE or answering the peer's
  closed,       // DTLS closed too; the connection's state is about to be freed
};
std::string_view to_string(Phase phase);

enum class CloseMode : std::uint8_t {
  immediate,    // queued data is discarded
  after_flush,  // reliable data is delivered first
};

class Handler {
 public:
  virtual ~Handler() = default;
  // An accepted (server side) or established (outgoing) connection.
  virtual void on_connected(ConnectionId id, const net::Address& peer) = 0;
  // One message; the bytes are valid during the call only.
  virtual void on_message(ConnectionId id, std::size_t lane, std::span<const std::byte> message) = 0;
  // Every connection ends with exactly one on_closed: connections announced by
  // on_connected, and those created by connect() whose handshake failed. A close() by
  // this side reports EndCode::local; a peer's close the remote-range code of its
  // CLOSE (or remote for a DTLS close_notify). `end.detail` explains DTLS failures.
  virtual void on_closed(ConnectionId id, const gs::End& end) = 0;
};

struct HostOptions {
  // Listening address; required with `server`. Ignored without it.
  net::Address listen;
  // Accept connections with this DTLS configuration.
  std::optional<dtls::ServerConfig> server;
  // Trust settings for connect(); required to connect.
  std::shared_ptr<const dtls::ClientContext> client;
  // Channel settings for every connection; max_datagram must not exceed
  // dtls::kMaxRecordPayload. All channels of a Host share one reassembly budget of
  // channel.reassembly_total bytes.
  gs::channel::ChannelConfig channel;
  net::UdpOptions listen_udp;
  net::UdpOptions client_udp = small_socket();
  // Where the Host reads the time its connections run at: steady_clock's now (its
  // timers wait on steady_clock). Tests wrap it to count the reads.
  std::function<Time()> clock = [] { return Clock::now(); };

  // Impairs every datagram this Host sends, on the listening socket and on every
  // outgoing connection's (net::UdpOptions::impairment); tests and `gameserver bench`.
  void impair(const impair::Settings& settings, std::uint64_t seed) {
    listen_udp.impairment = client_udp.impairment = settings;
    listen_udp.impairment_seed = client_udp.impairment_seed = seed;
  }

  static net::UdpOptions small_socket() {
    net::UdpOptions o;
    o.receive_batch = 16;
    o.socket_buffer_bytes = 0;
    return o;
  }
};

struct ConnectionStats {
  net::Address peer;
  bool outgoing = false;
  bool connected = false;  // phase == connected
  Phase phase = Phase::handshaking;
  Time phase_entered{};  // when `phase` was entered
  std::string cipher;
  std::uint64_t records_sent = 0;
  std::uint64_t records_received = 0;
  std::uint64_t record_send_failures = 0;
  gs::channel::ChannelStats channel;
};

struct HostStats {
  std::size_t connections = 0;     // alive, including handshaking
  std::size_t dtls_half_open = 0;  // listening socket: DTLS handshakes not finished
  std::uint64_t connected = 0;     // on_connected calls
  std::uint64_t closed = 0;        // on_closed calls
  std::uint64_t connect_failures = 0;
  std::uint64_t dropped_datagrams = 0;  // outgoing sockets: from a foreign address
  std::uint64_t timer_wakeups = 0;
  std::uint64_t reassembly_used = 0;  // bytes of the shared budget (channel.reassembly_total) in use
  net::UdpStats listen_udp;
  dtls::ServerStats dtls;
};

class Host : private dtls::ServerHandler {
 public:
  // Binds the listening socket and loads the server certificate if `server` is set.
  // Throws (std::system_error, std::runtime_error, std::invalid_argument) on bad options.
  Host(asio::io_context& io, HostOptions options, Handler& handler);
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Starts a connection; on_connected or on_closed follows. Returns 0 (and calls
  // nothing) if no client trust settings were given or no socket could be opened.
  // `server_name`: the DNS name or IP address a CA-issued server certificate must
  // carry (dtls::Client); usually the host part of the address dialed.
  ConnectionId connect(const net::Address& server, std::string server_name = {});

  // Queues a message. Inside a Host callback it runs at the time the Host is handling
  // (a receive batch's, a timer's), so a channel's clock never goes backwards.
  SendResult send(ConnectionId id, std::size_t lane, std::span<const std::byte> message);
  // Asks to close; applied from the event loop, on_closed(local) follows there. Sends
  // are refused from now on. An immediate close overrides an earlier after_flush one.
  void close(ConnectionId id, CloseMode mode = CloseMode::after_flush);
  // Closes every connection immediately and stops listening; on_closed(shutdown) is
  // reported for each before it returns.
  void shutdown();

  // RFC 5705 exporter of the connection's DTLS session (channel binding).
  bool export_keying_material(ConnectionId id, std::string_view label, std::span<const std::uint8_t> context,
                              std::span<std::uint8_t> out);

  // Key rotation. Handshakes that begin from now on use the new server certificate or
  // the new trust for connect(); established connections keep theirs. The certificate
  // is replaced only if it loads: otherwise std::runtime_error and the old one stays.
  void replace_certificate(const std::string& certificate_pem, std::string private_key_pem);
  void set_client_trust(std::shared_ptr<const dtls::ClientContext> client) {
    options_.client = std::move(client);
  }

  // A connection's numbers; answered until its on_closed has been reported (inside
  // on_closed, the numbers as they were when it ended).
  std::optional<ConnectionStats> stats(ConnectionId id) const;
  HostStats stats() const;
  net::Address local_address() const;
  std::size_t connection_count() const { return connections_.size(); }

 private:
  struct Connection;
  friend struct Connection;

  // dtls::ServerHandler
  void on_transmit(const net::Address& to, std::span<const std::uint8_t> d) override;
  void on_accepted(dtls::PeerId peer, const net::Address& from) override;
  void on_data(dtls::PeerId peer, std::span<const std::uint8_t> payload) override;
  void on_closed(dtls::PeerId peer, const gs::End& end) override;

  Connection* find(ConnectionId id) const;
  void open_channel(Connection& c, Time now);
  void on_record(Connection& c, std::span<const std::uint8_t> payload, Time now);
  void set_phase(Connection& c, Phase next, Time now);
  void on_channel_closed(Connection& c, const gs::End& end);
  void on_dtls_closed(Connection& c, const gs::End& end);
  void end(Connection& c, gs::End end);
  void deliver_ended();
  void apply_close_request(Connection& c, Time now);
  void request_flush();
  // Closes DTLS (unless it reported its own close) and frees the connection's state.
  void finalize(Connection& c, bool dtls_closed = false);
  void send_record(Connection& c, std::span<const std::byte> datagram);
  void service(Connection& c, Time now);
  void begin_receive_batch();
  void end_receive_batch();  // sends what the batch queued
  void mark_dirty(Connection& c);
  void flush_dirty();
  void schedule(Connection& c, Time at);
  void arm_timer(Time at);
  void on_timer();
  void post_reap();
  struct Entry;
  class Busy;

  asio::io_context& io_;
  HostOptions options_;
  Handler& handler_;
  // Shared by every channel of this Host, so it outlives them all (declared first).
  gs::channel::ReassemblyBudget reassembly_;
  std::unique_ptr<net::UdpEndpoint> listen_;
  std::unique_ptr<dtls::Server> server_;
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::unordered_map<dtls::PeerId, ConnectionId> by_peer_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
  std::vector<ConnectionId> dirty_;
  std::vector<ConnectionId> flushing_;  // the dirty list being serviced (kept for its capacity)
  // Connections ended but not yet reported to the handler (see the re-entrancy rule).
  struct Ended {
    ConnectionId id;
    gs::End end;
    ConnectionStats last_stats;  // what stats(id) answers until on_closed is reported
  };
  std::vector<Ended> ended_;
  std::vector<Ended> delivering_;
  bool flush_posted_ = false;
  // A socket of this host is handing out a receive batch; its end flushes every dirty
  // connection, so marking one dirty needs no posted flush (saves a reactor round).
  bool in_receive_batch_ = false;
  bool reap_posted_ = false;
  // Host code that hands out events is on the stack (a timer, a flush, shutdown): now_
  // is the time it handles and must not move under it (see send()).
  bool busy_ = false;
  Time now_{};
  using Deadline = std::pair<Time, ConnectionId>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  asio::steady_timer timer_;
  Time timer_at_ = Time::max();
  ConnectionId next_id_ = 1;
  HostStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gs::transport
