// The arena played by two real clients: gateway, auth and world in this process on
// loopback, the world running games/arena as its game module (as etc/gameserver.yaml
// does), each player a gs::client::Client using the library's arena helpers: alice walks
// east, bob watches her move in his snapshots and says hello, alice hears him.
#include <doctest/doctest.h>

#include <optional>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;

namespace {

struct Player {
  std::unique_ptr<gs::client::Client> client;
  std::uint32_t id = 0;
  std::vector<gs::protocol::Snapshot> snapshots;
  std::vector<gs::protocol::ChatEvent> chat;
};

// Where `who` stands in `s`, if it is in view.
std::optional<std::int32_t> x_of(const gs::protocol::Snapshot& s, std::uint32_t who) {
  for (const auto& e : s.players)
    if (e.player_id == who) return e.x;
  return std::nullopt;
}

}  // namespace

TEST_CASE("two real clients play the arena: one walks, the other sees it in snapshots; chat goes both ways") {
  gs::test::Deployment d("arena-play");
  REQUIRE(d.config.world.game.module == gs::test::arena_module());
  gs::test::add_account(d.config, "alice", "correct horse");
  gs::test::add_account(d.config, "bob", "battery staple");
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
  const auto options = gs::test::client_options(d.config);
  // Once a login works, the roles' links are up.
  REQUIRE(gs::test::login_when_ready(options, "alice", "correct horse").outcome ==
          gs::client::Outcome::joined);

  asio::io_context io;
  Player alice, bob;
  std::optional<std::int32_t> alice_first_x;  // as bob first saw her
  bool walked = false;
  alice.client = std::make_unique<gs::client::Client>(io, options);
  bob.client = std::make_unique<gs::client::Client>(io, options);
  gs::client::ClientEvents alice_events;
  alice_events.snapshot = [&](const gs::protocol::Snapshot& s) { alice.snapshots.push_back(s); };
  alice_events.chat = [&](const gs::protocol::ChatEvent& c) {
    alice.chat.push_back(c);
    io.stop();
  };
  alice.client->set_events(std::move(alice_events));
  // Bob, watching: once alice stands 2 m east of where he first saw her, he says hello.
  gs::client::ClientEvents bob_events;
  bob_events.snapshot = [&](const gs::protocol::Snapshot& s) {
    bob.snapshots.push_back(s);
    auto x = alice.id ? x_of(s, alice.id) : std::nullopt;
    if (!x) return;
    if (!alice_first_x) alice_first_x = x;
    if (!walked && *x - *alice_first_x >= 2'000) {
      walked = true;
      CHECK(bob.client->send_chat("hello alice"));
    }
  };
  bob.client->set_events(std::move(bob_events));
  // Alice walks east at full speed, a new input every 50 ms as a client frame would.
  asio::steady_timer frame(io);
  std::function<void()> walk = [&] {
    alice.client->send_input(100, 0);
    frame.expires_after(50ms);
    frame.async_wait([&](const asio::error_code& ec) {
      if (!ec) walk();
    });
  };
  alice.client->login_and_join("alice", "correct horse", [&](const gs::client::FlowResult& r) {
    REQUIRE_MESSAGE(r.outcome == gs::client::Outcome::joined, r.reason);
    alice.id = r.player_id;
    bob.client->login_and_join("bob", "battery staple", [&](const gs::client::FlowResult& b) {
      REQUIRE_MESSAGE(b.outcome == gs::client::Outcome::joined, b.reason);
      bob.id = b.player_id;
      walk();
    });
  });
  asio::steady_timer limit(io);
  limit.expires_after(30s);
  limit.async_wait([&](const asio::error_code& ec) {
    if (!ec) io.stop();
  });
  io.run();

  REQUIRE(walked);
  REQUIRE(alice.chat.size() == 1);
  CHECK(alice.chat[0].player_id == bob.id);
  CHECK(alice.chat[0].account == "bob");
  CHECK(alice.chat[0].text == "hello alice");
  // Alice saw herself move in her own snapshots too, and only east.
  REQUIRE_FALSE(alice.snapshots.empty());
  auto first = x_of(alice.snapshots.front(), alice.id);
  auto last = x_of(alice.snapshots.back(), alice.id);
  REQUIRE(first);
  REQUIRE(last);
  CHECK(*last - *first >= 2'000);
  for (auto* p : {&alice, &bob}) p->client->close();
}
