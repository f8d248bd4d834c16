#include <doctest/doctest.h>

#include <memory>

#include "roles/gateway/gateway_service.hpp"
#include "session/codec.hpp"
#include "session/session_pair.hpp"

using namespace gs;
using namespace gs::roles;
using namespace gs::session::test;
using gs::session::decode;
using gs::session::encode;
using gs::session::Session;
using gs::session::Time;

namespace {

std::vector<std::uint8_t> bytes_of(const std::vector<std::byte>& b) {
  return {reinterpret_cast<const std::uint8_t*>(b.data()),
          reinterpret_cast<const std::uint8_t*>(b.data()) + b.size()};
}

// One client talking to a gateway, the auth link replaced by a list.
struct Harness {
  Time now{};
  session::SessionConfig config{};
  bool link_up = true;
  std::size_t link = 0;  // which auth link logins go out on
  std::vector<protocol::Authenticate> to_auth;
  GatewayService gateway{{"gateway-1", "mygame", std::chrono::seconds(10)},
                         [this](const protocol::Authenticate& a) -> std::optional<GatewayService::Sent> {
                           if (!link_up) return std::nullopt;
                           to_auth.push_back(a);
                           return GatewayService::Sent{link};
                         }};
  PipeEnd client_pipe, server_pipe;
  Recorder client_events;
  Session client{config, client_pipe, client_events, now};
  Session server{config, server_pipe, gateway, now};
  std::vector<std::uint8_t> binding = std::vector<std::uint8_t>(32, 1);

  explicit Harness(protocol::ClientHello hello = {protocol::protocol_version, "mygame"}) {
    client_events.authenticating = [hello](Session& s, Time) { s.send_auth(bytes_of(encode(hello))); };
    client_events.auth_data = [](Session& s, std::span<const std::uint8_t>, Time t) { s.complete_auth(t); };
    gateway.add_client(server, 42, "10.1.2.3:5555", now);
    client.transport_open(binding, now);
    server.transport_open(binding, now);
    pump();
  }
  void pump() { gs::session::test::pump(client_pipe, client, server_pipe, server, now); }
  void login(const std::string& user, const std::string& password) {
    client.send(protocol::lane_control, encode(protocol::LoginRequest{user, password, ""}));
    pump();
  }
  std::optional<protocol::LoginResponse> response() {
    for (auto& m : client_events.messages)
      if (auto r = decode<protocol::LoginResponse>(m)) return r;
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("a login is forwarded to auth with the client's id and address, and the answer comes back") {
  Harness h;
  REQUIRE(h.client.state() == session::State::connected);
  h.login("alice", "correct horse");
  REQUIRE(h.to_auth.size() == 1);
  CHECK(h.to_auth[0].user == "alice");
  CHECK(h.to_auth[0].password == "correct horse");
  CHECK(h.to_auth[0].player_id == 42);
  CHECK(h.to_auth[0].client_address == "10.1.2.3:5555");
  protocol::AuthResult result{h.to_auth[0].request_id, 42, true, "", "tok.en.sig", "world-1",
                              "127.0.0.1:7200"};
  h.gateway.on_auth_result(result, h.now);
  h.pump();
  auto response = h.response();
  REQUIRE(response);
  CHECK(response->ok);
  CHECK(response->token == "tok.en.sig");
  CHECK(response->world_address == "127.0.0.1:7200");
  // Closed after the flush: the answer arrived first.
  CHECK(h.server_pipe.flushed);
  CHECK(h.client.state() == session::State::closed);
  CHECK(h.gateway.stats().logins_ok == 1);
}

TEST_CASE("a second login request on one connection is refused") {
  Harness h;
  h.login("alice", "correct horse");
  h.login("alice", "correct horse");
  CHECK(h.to_auth.size() == 1);
  CHECK(h.gateway.stats().extra_requests == 1);
}

TEST_CASE("with the auth link down the client gets unavailable at once") {
  Harness h;
  h.link_up = false;
  h.login("alice", "correct horse");
  auto response = h.response();
  REQUIRE(response);
  CHECK_FALSE(response->ok);
  CHECK(response->reason == "unavailable");
}

TEST_CASE("logins waiting on a link that drops fail with unavailable at once") {
  Harness h;
  h.login("alice", "correct horse");
  REQUIRE(h.to_auth.size() == 1);
  h.gateway.on_auth_link_down(h.now);
  h.pump();
  REQUIRE(h.response());
  CHECK(h.response()->reason == "unavailable");
  // A late answer for the same request is ignored.
  h.gateway.on_auth_result({h.to_auth[0].request_id, 42, true, "", "t", "w", "a"}, h.now);
}

TEST_CASE("a login waiting on one auth link is not failed when another auth link drops") {
  Harness h;
  h.link = 1;
  h.login("alice", "correct horse");
  REQUIRE(h.to_auth.size() == 1);
  h.gateway.on_auth_link_down(h.now, 0);
  h.pump();
  CHECK_FALSE(h.response());
  h.gateway.on_auth_link_down(h.now, 1);
  h.pump();
  REQUIRE(h.response());
  CHECK(h.response()->reason == "unavailable");
}

TEST_CASE("a client with another protocol version or game is refused with the reason") {
  Harness wrong_version(protocol::ClientHello{protocol::protocol_version + 1, "mygame"});
  CHECK(wrong_version.client_events.failures == std::vector<std::string>{"version_mismatch"});
  Harness wrong_game(protocol::ClientHello{protocol::protocol_version, "othergame"});
  CHECK(wrong_game.client_events.failures == std::vector<std::string>{"wrong_game"});
  CHECK(wrong_game.gateway.stats().clients_refused == 1);
}

TEST_CASE("a client that sends nothing is dropped at the login timeout") {
  Harness h;
  CHECK(h.gateway.next_wakeup() == h.now + std::chrono::seconds(10));
  h.now += std::chrono::seconds(10);
  h.gateway.update(h.now);
  h.pump();
  CHECK(h.client.state() == session::State::closed);
  CHECK(h.gateway.stats().login_timeouts == 1);
}

namespace {

// A transport that reports the end from inside close(), all the way down to the role's
// remove_client, as the transport did before closing was deferred to the event loop.
struct ReentrantTransport : session::SessionTransport {
  GatewayService* gateway = nullptr;
  Session* session = nullptr;
  Time now{};
  int closes = 0;
  bool send(std::uint8_t, std::span<const std::byte>) override { return true; }
  void close(bool) override {
    ++closes;
    session->transport_closed(End{EndCode::local, {}}, now);
    gateway->remove_client(*session);
  }
};

}  // namespace

TEST_CASE("the login timeout closes every late client even when closing removes it re-entrantly") {
  GatewayService gateway{{"gateway-1", "mygame", std::chrono::seconds(2)},
                         [](const protocol::Authenticate&) { return std::optional<GatewayService::Sent>{}; }};
  session::SessionConfig config{};
  Time now{};
  std::vector<std::unique_ptr<ReentrantTransport>> transports;
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 50; ++i) {
    auto t = std::make_unique<ReentrantTransport>();
    auto s = std::make_unique<Session>(config, *t, gateway, now);
    t->gateway = &gateway;
    t->session = s.get();
    gateway.add_client(*s, static_cast<std::uint64_t>(i + 1), "10.0.0.1", now);
    s->transport_open(std::vector<std::uint8_t>(32, 1), now);
    transports.push_back(std::move(t));
    sessions.push_back(std::move(s));
  }
  REQUIRE(gateway.clients() == 50);
  now += std::chrono::seconds(3);
  for (auto& t : transports) t->now = now;
  gateway.update(now);
  CHECK(gateway.clients() == 0);
  CHECK(gateway.stats().login_timeouts == 50);
  for (auto& t : transports) CHECK(t->closes == 1);
  for (auto& s : sessions) CHECK(s->state() == session::State::closed);
}
