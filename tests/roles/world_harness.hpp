#pragma once
// A world service with in-memory clients on a manual clock: each Conn is a client
// session joined to a world session by a pipe (session/session_pair.hpp).

#include <memory>
#include <string>
#include <vector>

#include "crypto/token_signer.hpp"
#include "crypto/token_verifier.hpp"
#include "roles/world/world_service.hpp"
#include "session/codec.hpp"
#include "session/session_pair.hpp"

namespace gs::roles::test {

using namespace std::chrono_literals;
using session::Session;
using session::Time;
using session::test::PipeEnd;
using session::test::Recorder;

struct Conn {
  PipeEnd client_pipe, server_pipe;
  Recorder events;
  Session client;
  Session server;
  Conn(const session::SessionConfig& config, session::SessionEvents& world, Time now)
      : client(config, client_pipe, events, now), server(config, server_pipe, world, now) {}

  // What the client library counts for a resume: lane-0 messages from the world, its
  // ResumeTickets aside.
  std::uint32_t lane0_received() const {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < events.messages.size(); ++i)
      if (events.lanes[i] == protocol::lane_control &&
          std::to_integer<std::uint8_t>(events.messages[i][0]) != protocol::ResumeTicket::type)
        ++n;
    return n;
  }

  template <class M>
  std::vector<M> received() const {
    std::vector<M> out;
    for (auto& m : events.messages)
      if (auto d = session::decode<M>(m)) out.push_back(*d);
    return out;
  }
};

struct Harness {
  Time now{};
  std::chrono::sys_seconds wall{std::chrono::seconds{1'800'000'000}};
  session::SessionConfig config{};
  crypto::Ed25519PrivateKey key = crypto::Ed25519PrivateKey::generate();
  crypto::TokenSigner signer{"auth-1", "k1", crypto::Ed25519PrivateKey::from_seed(key.seed())};
  crypto::TokenVerifier verifier;
  WorldService world;
  std::vector<std::unique_ptr<Conn>> conns;

  explicit Harness(WorldService::Settings settings = {})
      : verifier({settings.id, {"auth-1"}}, {{"k1", key.public_key()}}),
        world(settings, [this](std::string_view token) { return verifier.verify(token, wall); }) {
    world.set_wall_clock([this] { return static_cast<std::uint64_t>(wall.time_since_epoch().count()); });
  }

  std::string token(const std::string& account, const std::string& aud = "world-1",
                    std::chrono::seconds ttl = 30s) {
    return signer.issue(account, aud, ttl, wall).token;
  }

  // Connects a client that presents `token` and accepts the world's hello.
  Conn& connect(const std::string& token) { return connect_data({token.begin(), token.end()}); }
  // ... that presents any pre-auth data (a ResumeRequest).
  Conn& connect_data(std::vector<std::uint8_t> data) {
    auto& c = *conns.emplace_back(std::make_unique<Conn>(config, world, now));
    c.events.authenticating = [data](Session& s, Time) { s.send_auth(data); };
    c.events.auth_data = [](Session& s, std::span<const std::uint8_t>, Time t) { s.complete_auth(t); };
    world.add_client(c.server, now);
    std::vector<std::uint8_t> binding(32, 3);
    c.client.transport_open(binding, now);
    c.server.transport_open(binding, now);
    pump();
    return c;
  }
  // A client whose token the world accepts but that never completes its side: it
  // stays admitted (counted against capacity) without joining.
  Conn& connect_pending(const std::string& token) {
    auto& c = connect_with(token);
    c.events.auth_data = [](Session&, std::span<const std::uint8_t>, Time) {};
    open(c);
    return c;
  }
  Conn& connect_with(const std::string& token) {
    auto& c = *conns.emplace_back(std::make_unique<Conn>(config, world, now));
    c.events.authenticating = [token](Session& s, Time) {
      s.send_auth({reinterpret_cast<const std::uint8_t*>(token.data()), token.size()});
    };
    world.add_client(c.server, now);
    return c;
  }
  void open(Conn& c) {
    std::vector<std::uint8_t> binding(32, 3);
    c.client.transport_open(binding, now);
    c.server.transport_open(binding, now);
    pump();
  }
  void pump() {
    for (auto& c : conns) gs::session::test::pump(c->client_pipe, c->client, c->server_pipe, c->server, now);
    for (auto& c : conns) gs::session::test::pump(c->client_pipe, c->client, c->server_pipe, c->server, now);
  }
  // The connection ends under the world with `code` (a timeout: the path broke).
  void drop(Conn& c, EndCode code) {
    c.server.transport_closed(End{code, {}}, now);
    world.remove_client(c.server);
    c.client.transport_closed(End{EndCode::timeout, {}}, now);
  }
  void ticks(int n) {
    for (int i = 0; i < n; ++i) {
      now += world.tick_interval();
      world.tick(now);
    }
    pump();
  }
};

}  // namespace gs::roles::test
