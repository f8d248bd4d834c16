#include "transport/host.hpp"
#include "dtls/aead_offload.hpp"

#include "dtls/certgen.hpp"
#include "dtls/client.hpp"

#include <doctest/doctest.h>

#include <asio/steady_timer.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

const gs::dtls::GeneratedCertificate& cert() {
  static const auto c = gs::dtls::generate_self_signed({"localhost", {"localhost"}, 1});
  return c;
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct Recorder : gs::transport::Handler {
  std::vector<gs::transport::ConnectionId> connected;
  std::map<gs::transport::ConnectionId, std::vector<std::pair<std::size_t, std::string>>> messages;
  std::vector<std::pair<gs::transport::ConnectionId, gs::EndCode>> closed;
  std::map<gs::transport::ConnectionId, std::string> details;
  std::function<void(gs::transport::ConnectionId, std::size_t, const std::string&)> on_msg;
  std::function<void()> changed;

  void on_connected(gs::transport::ConnectionId id, const gs::net::Address&) override {
    connected.push_back(id);
    if (changed) changed();
  }
  void on_message(gs::transport::ConnectionId id, std::size_t lane, std::span<const std::byte> m) override {
    std::string s(reinterpret_cast<const char*>(m.data()), m.size());
    messages[id].emplace_back(lane, s);
    if (on_msg) on_msg(id, lane, s);
    if (changed) changed();
  }
  void on_closed(gs::transport::ConnectionId id, const gs::End& end) override {
    closed.emplace_back(id, end.code);
    details[id] = end.detail;
    if (changed) changed();
  }
};

gs::transport::HostOptions server_options(const gs::net::Address& listen) {
  gs::transport::HostOptions o;
  o.listen = listen;
  gs::dtls::ServerConfig s;
  s.certificate_pem = cert().certificate_pem;
  s.private_key_pem = cert().private_key_pem;
  o.server = s;
  return o;
}

gs::transport::HostOptions client_options(const std::string& pinned = cert().certificate_pem) {
  gs::transport::HostOptions o;
  gs::dtls::ClientConfig c;
  c.pinned_certificate_pem = pinned;
  o.client = std::make_shared<gs::dtls::ClientContext>(c);
  return o;
}

// Runs the loop until `done` holds or the deadline passes.
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(5ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

// A client that completes the DTLS handshake and then writes channel datagrams by
// hand, as an attacker's client would.
struct RawChannelClient final : gs::dtls::ClientHandler {
  RawChannelClient(asio::io_context& io, const gs::net::Address& server) : server_(server) {
    gs::dtls::ClientConfig c;
    c.pinned_certificate_pem = cert().certificate_pem;
    socket_ = std::make_unique<gs::net::UdpEndpoint>(io, gs::net::Address::loopback_v4(0),
                                                     gs::transport::HostOptions::small_socket());
    client_ = std::make_unique<gs::dtls::Client>(std::make_shared<gs::dtls::ClientContext>(c), *this);
    socket_->start([this](const gs::net::Address&, std::span<const std::uint8_t> d) {
      client_->receive(d, std::chrono::steady_clock::now());
    });
    client_->start(std::chrono::steady_clock::now());
  }
  void on_transmit(std::span<const std::uint8_t> d) override { socket_->send(server_, d); }
  void on_connected() override { connected = true; }
  void on_data(std::span<const std::uint8_t>) override {}
  void on_closed(const gs::End&) override {}

  // One channel datagram: header, then a FRAGMENT of `total` bytes in parts of `chunk`.
  void send_fragment(std::uint8_t lane, std::uint32_t id, std::uint32_t total, std::uint16_t chunk,
                     std::uint32_t index) {
    const std::size_t len = std::min<std::size_t>(chunk, total - std::size_t{index} * chunk);
    std::vector<std::byte> d(gs::channel::wire::kHeaderSize + gs::channel::wire::kFragmentHeaderSize + len,
                             std::byte{0x5a});
    gs::channel::wire::Writer w(d.data(), d.size());
    w.u8(gs::channel::wire::kHeaderByte);
    w.u32(next_pn_++);
    w.u8(static_cast<std::uint8_t>(gs::channel::wire::FrameType::fragment));
    w.u8(lane);
    w.u32(id);
    w.u32(total);
    w.u16(chunk);
    w.u32(index);
    client_->send({reinterpret_cast<const std::uint8_t*>(d.data()), d.size()});
    socket_->flush();
  }

  gs::net::Address local_address() const { return socket_->local_address(); }

  bool connected = false;

 private:
  gs::net::Address server_;
  std::unique_ptr<gs::net::UdpEndpoint> socket_;
  std::unique_ptr<gs::dtls::Client> client_;
  std::uint32_t next_pn_ = 0;
};

}  // namespace

TEST_CASE("connect, exchange messages on lanes, close after flush") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  // The server echoes every message on the lane it came in.
  srv_ev.on_msg = [&](gs::transport::ConnectionId id, std::size_t lane, const std::string& s) {
    CHECK(server.send(id, lane, as_bytes("echo:" + s)) == gs::transport::SendResult::ok);
  };
  auto id = client.connect(server.local_address());
  REQUIRE(id != 0);
  REQUIRE(run_until(io, [&] { return !cli_ev.connected.empty() && !srv_ev.connected.empty(); }));
  CHECK(cli_ev.connected[0] == id);

  const int kCount = 300;
  for (int i = 0; i < kCount; ++i) {
    std::string m = "message " + std::to_string(i);
    REQUIRE(client.send(id, 0, as_bytes(m)) == gs::transport::SendResult::ok);
  }
  std::string big(100000, 'x');  // fragmented by the channel across many records
  REQUIRE(client.send(id, 1, as_bytes(big)) == gs::transport::SendResult::ok);
  REQUIRE(run_until(io, [&] { return cli_ev.messages[id].size() == kCount + 1; }));
  for (int i = 0; i < kCount; ++i) {
    CHECK(cli_ev.messages[id][static_cast<std::size_t>(i)].second == "echo:message " + std::to_string(i));
  }
  CHECK(cli_ev.messages[id].back() == std::pair<std::size_t, std::string>{1, "echo:" + big});

  auto st = client.stats(id);
  REQUIRE(st);
  CHECK(st->cipher.find(gs::dtls::detail::aes_gcm_offload_available() ? "AES256-GCM" : "CHACHA20") !=
        std::string::npos);
  CHECK(st->records_sent > 0);
  CHECK(st->record_send_failures == 0);
  std::array<std::uint8_t, 32> a{}, b{};
  const auto sid = srv_ev.connected[0];
  CHECK(client.export_keying_material(id, "EXPORTER-test", {}, a));
  CHECK(server.export_keying_material(sid, "EXPORTER-test", {}, b));
  CHECK(a == b);

  client.send(id, 0, as_bytes("last words"));
  client.close(id, gs::transport::CloseMode::after_flush);
  REQUIRE(run_until(io, [&] { return !srv_ev.closed.empty() && !cli_ev.closed.empty(); }));
  CHECK(srv_ev.messages[sid].back().second == "last words");
  CHECK(cli_ev.closed[0] == std::pair{id, gs::EndCode::local});
  CHECK(srv_ev.closed[0] == std::pair{sid, gs::EndCode::remote});
  REQUIRE(run_until(io, [&] { return client.connection_count() == 0 && server.connection_count() == 0; }));
  CHECK(server.stats().dtls.closed_local + server.stats().dtls.closed_remote == 1);
}

TEST_CASE("IPv6 loopback and many clients at once") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  std::unique_ptr<gs::transport::Host> server;
  try {
    server =
        std::make_unique<gs::transport::Host>(io, server_options(gs::net::Address::loopback_v6(0)), srv_ev);
  } catch (const std::exception&) {
    MESSAGE("no IPv6 loopback; skipped");
    return;
  }
  gs::transport::Host client(io, client_options(), cli_ev);
  std::vector<gs::transport::ConnectionId> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(client.connect(server->local_address()));
  REQUIRE(run_until(io, [&] { return cli_ev.connected.size() == 20; }));
  CHECK(server->connection_count() == 20);
  CHECK(server->stats().dtls.hello_verify_sent >= 20);
  for (auto id : ids) client.close(id, gs::transport::CloseMode::immediate);
  REQUIRE(run_until(io, [&] { return server->connection_count() == 0; }));
  CHECK(srv_ev.closed.size() == 20);
}

TEST_CASE("a wrong pinned certificate ends the connect with a clear reason") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  auto other = gs::dtls::generate_self_signed({"other", {}, 1});
  gs::transport::Host client(io, client_options(other.certificate_pem), cli_ev);
  auto id = client.connect(server.local_address());
  REQUIRE(run_until(io, [&] { return !cli_ev.closed.empty(); }));
  CHECK(cli_ev.closed[0] == std::pair{id, gs::EndCode::handshake_failed});
  CHECK(cli_ev.details[id] == "server certificate does not match the pinned certificate");
  CHECK(cli_ev.connected.empty());
  CHECK(client.stats().connect_failures == 1);
}

TEST_CASE("the server notices a vanished client through the channel timeout") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  auto so = server_options(gs::net::Address::loopback_v4(0));
  so.channel.timeout = 300ms;
  so.channel.keepalive_interval = 50ms;
  gs::transport::Host server(io, so, srv_ev);
  auto co = client_options();
  co.channel.timeout = 300ms;
  co.channel.keepalive_interval = 50ms;
  auto client = std::make_unique<gs::transport::Host>(io, co, cli_ev);
  client->connect(server.local_address());
  REQUIRE(run_until(io, [&] { return srv_ev.connected.size() == 1; }));
  client.reset();  // no close: the process is gone
  REQUIRE(run_until(
      io, [&] { return !srv_ev.closed.empty(); }, 3000ms));
  CHECK(srv_ev.closed[0].second == gs::EndCode::timeout);
  REQUIRE(run_until(
      io, [&] { return server.connection_count() == 0; }, 3000ms));
}

TEST_CASE("shutdown closes everything with one on_closed each") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  for (int i = 0; i < 3; ++i) client.connect(server.local_address());
  REQUIRE(run_until(io, [&] { return srv_ev.connected.size() == 3; }));
  server.shutdown();
  CHECK(srv_ev.closed.size() == 3);
  REQUIRE(run_until(io, [&] { return cli_ev.closed.size() == 3; }));
  for (auto& [id, r] : cli_ev.closed) CHECK(r == gs::EndCode::remote);
}

TEST_CASE("a round trip is timed from when the reply arrives, not from the last time the loop woke") {
  // Client and server on separate loops, so the client's loop can stay asleep while the
  // reply waits in its socket: the measured round trip must include that wait.
  asio::io_context server_io, client_io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(server_io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  gs::transport::Host client(client_io, client_options(), cli_ev);
  srv_ev.on_msg = [&](gs::transport::ConnectionId id, std::size_t lane, const std::string& s) {
    server.send(id, lane, as_bytes(s));
  };
  auto run_both = [&](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      for (auto* io : {&server_io, &client_io}) {
        io->run_for(1ms);
        if (io->stopped()) io->restart();
      }
    }
    return done();
  };
  auto id = client.connect(server.local_address());
  REQUIRE(run_both([&] { return !cli_ev.connected.empty() && !srv_ev.connected.empty(); }));

  constexpr auto kAsleep = 3ms;  // below the probe timeout, so no timer wakes the client first
  for (int round = 0; round < 5; ++round) {
    const std::size_t replies = cli_ev.messages[id].size();
    REQUIRE(client.send(id, 0, as_bytes("ping")) == gs::transport::SendResult::ok);
    client_io.poll();  // the ping leaves
    if (client_io.stopped()) client_io.restart();
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (srv_ev.messages[srv_ev.connected[0]].size() <= static_cast<std::size_t>(round) &&
           std::chrono::steady_clock::now() < deadline) {
      server_io.run_for(1ms);
      if (server_io.stopped()) server_io.restart();
    }
    server_io.poll();  // the echo leaves
    if (server_io.stopped()) server_io.restart();
    std::this_thread::sleep_for(kAsleep);
    REQUIRE(run_both([&] { return cli_ev.messages[id].size() > replies; }));
    auto st = client.stats(id);
    REQUIRE(st);
    INFO("round " << round);
    CHECK(st->channel.latest_rtt >= kAsleep);
    CHECK(st->channel.srtt > 0ns);
  }
}

TEST_CASE("close() never calls the handler back before it returns; on_closed follows from the loop") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  std::vector<gs::transport::ConnectionId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(client.connect(server.local_address()));
  REQUIRE(run_until(io, [&] { return cli_ev.connected.size() == 3 && srv_ev.connected.size() == 3; }));

  // A handler walking its own table and closing every entry, as the gateway's login
  // timeout does: the table must not change under it.
  std::map<gs::transport::ConnectionId, int> table;
  for (auto id : srv_ev.connected) table[id] = 0;
  srv_ev.changed = [&] {
    for (const auto& [id, reason] : srv_ev.closed) table.erase(id);
  };
  for (auto& [id, entry] : table) {
    server.close(id, gs::transport::CloseMode::immediate);
    CHECK(srv_ev.closed.empty());
    CHECK(server.send(id, 0, as_bytes("after close")) == gs::transport::SendResult::closed);
  }
  CHECK(table.size() == 3);
  // A connection still handshaking closes the same way (no channel yet).
  auto pending = client.connect(server.local_address());
  client.close(pending);
  CHECK(cli_ev.closed.empty());

  REQUIRE(run_until(io, [&] { return srv_ev.closed.size() == 3 && cli_ev.closed.size() == 4; }));
  CHECK(table.empty());
  for (const auto& [id, reason] : srv_ev.closed) CHECK(reason == gs::EndCode::local);
  CHECK(std::count(cli_ev.closed.begin(), cli_ev.closed.end(), std::pair{pending, gs::EndCode::local}) == 1);
}

TEST_CASE("an immediate close overrides a flushing close requested before it") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  auto id = client.connect(server.local_address());
  REQUIRE(run_until(io, [&] { return !cli_ev.connected.empty() && !srv_ev.connected.empty(); }));
  auto server_id = srv_ev.connected[0];
  // Reliable data that could take a while: the immediate close must not wait for it.
  std::string big(200000, 'x');
  REQUIRE(server.send(server_id, 0, as_bytes(big)) == gs::transport::SendResult::ok);
  server.close(server_id, gs::transport::CloseMode::after_flush);
  server.close(server_id, gs::transport::CloseMode::immediate);
  REQUIRE(run_until(
      io, [&] { return !srv_ev.closed.empty(); }, 2000ms));
  CHECK(srv_ev.closed[0].second == gs::EndCode::local);
  // The client never got the whole message: it was discarded, not flushed.
  CHECK(cli_ev.messages[id].empty());
}

TEST_CASE("every connection of a Host draws on one reassembly budget of channel.reassembly_total") {
  asio::io_context io;
  Recorder srv_ev;
  auto options = server_options(gs::net::Address::loopback_v4(0));
  options.channel.max_message = 64 * 1024;
  options.channel.reassembly_cap = 128 * 1024;    // per connection
  options.channel.reassembly_total = 160 * 1024;  // all of them together
  gs::transport::Host server(io, options, srv_ev);
  RawChannelClient first(io, server.local_address());
  RawChannelClient second(io, server.local_address());
  REQUIRE(run_until(io, [&] { return first.connected && second.connected && srv_ev.connected.size() == 2; }));

  // Each sends two 60 KiB reliable messages without their last part: about 120 KiB
  // held per connection, under its own cap, but not twice under the shared one.
  auto hold_two_messages = [&](RawChannelClient& c) {
    for (std::uint32_t id = 0; id < 2; ++id)
      for (std::uint32_t part = 0; part + 1 < 62; ++part) {
        c.send_fragment(1, id, 60 * 1024, 1000, part);
        if (part % 8 == 7)
          run_until(
              io, [] { return false; }, 2ms);  // paced: loopback drops none
      }
  };
  hold_two_messages(first);
  REQUIRE(run_until(io, [&] { return server.stats().reassembly_used >= 110 * 1024; }));
  hold_two_messages(second);
  auto server_side = [&](const RawChannelClient& c) {
    for (auto id : srv_ev.connected)
      if (server.stats(id)->peer == c.local_address()) return id;
    return gs::transport::ConnectionId{0};
  };
  const gs::transport::ConnectionId first_id = server_side(first), second_id = server_side(second);
  REQUIRE(first_id != 0);
  REQUIRE(second_id != 0);
  REQUIRE(run_until(io, [&] { return server.stats(second_id)->channel.dropped_budget > 0; }));
  io.run_for(100ms);
  MESSAGE("shared budget in use: ", server.stats().reassembly_used, " of ", 160 * 1024,
          " bytes; first holds ", server.stats(first_id)->channel.rx_held_bytes, ", second ",
          server.stats(second_id)->channel.rx_held_bytes, " with ",
          server.stats(second_id)->channel.dropped_budget, " packets refused");
  CHECK(server.stats().reassembly_used <= 160 * 1024);
  CHECK(server.stats(first_id)->channel.dropped_budget == 0);
  CHECK(server.stats(second_id)->channel.rx_held_bytes < 60 * 1024);
  CHECK(srv_ev.closed.empty());  // refused memory is not a reason to close anyone
}

TEST_CASE("a peer's close reason reaches this side's on_closed with its code") {
  // The server takes messages of at most 1000 bytes; the client's larger one breaks its
  // channel protocol, so the server closes with protocol_error and CLOSE code 4. The
  // client used to hear only "remote".
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  auto so = server_options(gs::net::Address::loopback_v4(0));
  so.channel.max_message = 1000;
  so.channel.reassembly_cap = 4096;
  gs::transport::Host server(io, so, srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  auto id = client.connect(server.local_address());
  REQUIRE(run_until(io, [&] { return !cli_ev.connected.empty() && !srv_ev.connected.empty(); }));
  REQUIRE(client.send(id, 0, as_bytes(std::string(5000, 'x'))) == gs::transport::SendResult::ok);
  REQUIRE(run_until(io, [&] { return !srv_ev.closed.empty() && !cli_ev.closed.empty(); }));
  CHECK(srv_ev.closed[0].second == gs::EndCode::protocol_error);
  CHECK(cli_ev.closed[0] == std::pair{id, gs::EndCode::remote_protocol_error});
}

TEST_CASE("a connection's phase: handshaking, connected, ending, each with when it was entered") {
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  gs::transport::Host server(io, server_options(gs::net::Address::loopback_v4(0)), srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  const auto before = std::chrono::steady_clock::now();
  auto id = client.connect(server.local_address());
  auto st = client.stats(id);
  REQUIRE(st);
  CHECK(st->phase == gs::transport::Phase::handshaking);
  CHECK(st->phase_entered >= before);
  CHECK_FALSE(st->connected);
  CHECK(client.send(id, 0, as_bytes("too early")) == gs::transport::SendResult::closed);

  REQUIRE(run_until(io, [&] { return !cli_ev.connected.empty() && !srv_ev.connected.empty(); }));
  st = client.stats(id);
  CHECK(st->phase == gs::transport::Phase::connected);
  CHECK(st->phase_entered > before);
  CHECK(st->connected);
  const auto sid = srv_ev.connected[0];
  CHECK(server.stats(sid)->phase == gs::transport::Phase::connected);

  // Inside on_closed the numbers are those of the end: phase ending, entered at the close.
  std::optional<gs::transport::ConnectionStats> at_close;
  cli_ev.changed = [&] {
    if (!cli_ev.closed.empty() && !at_close) at_close = client.stats(id);
  };
  const auto close_asked = std::chrono::steady_clock::now();
  client.close(id, gs::transport::CloseMode::immediate);
  CHECK(client.stats(id)->phase == gs::transport::Phase::connected);  // applied from the loop
  REQUIRE(run_until(io, [&] { return at_close.has_value(); }));
  CHECK(at_close->phase == gs::transport::Phase::ending);
  CHECK(at_close->phase_entered >= close_asked);
  CHECK_FALSE(at_close->connected);
  CHECK(gs::transport::to_string(at_close->phase) == "ending");
}

TEST_CASE("inside a receive batch send runs at the batch's time: it reads no clock") {
  // A send that read the clock in the middle of a batch would move its channel ahead of
  // the time the rest of the batch is handled at, and so its clock back afterwards.
  asio::io_context io;
  Recorder srv_ev, cli_ev;
  auto so = server_options(gs::net::Address::loopback_v4(0));
  int clock_reads = 0;
  so.clock = [&] {
    ++clock_reads;
    return std::chrono::steady_clock::now();
  };
  gs::transport::Host server(io, so, srv_ev);
  gs::transport::Host client(io, client_options(), cli_ev);
  int echoes = 0;
  srv_ev.on_msg = [&](gs::transport::ConnectionId sid, std::size_t lane, const std::string& s) {
    const int reads = clock_reads;
    CHECK(server.send(sid, lane, as_bytes("echo:" + s)) == gs::transport::SendResult::ok);
    CHECK(server.send(sid, lane, as_bytes("again:" + s)) == gs::transport::SendResult::ok);
    CHECK(clock_reads == reads);
    ++echoes;
  };
  auto id = client.connect(server.local_address());
  REQUIRE(run_until(io, [&] { return !cli_ev.connected.empty() && !srv_ev.connected.empty(); }));
  for (int i = 0; i < 20; ++i)
    REQUIRE(client.send(id, 0, as_bytes("m" + std::to_string(i))) == gs::transport::SendResult::ok);
  REQUIRE(run_until(io, [&] { return cli_ev.messages[id].size() == 40; }));
  CHECK(echoes == 20);
  // From the owner's own code, outside any callback, send reads the time afresh.
  const int reads = clock_reads;
  CHECK(server.send(srv_ev.connected[0], 0, as_bytes("from outside")) == gs::transport::SendResult::ok);
  CHECK(clock_reads == reads + 1);
}
