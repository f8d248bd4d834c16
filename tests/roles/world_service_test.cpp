#include <doctest/doctest.h>

#include "roles/world_harness.hpp"
#include "session/codec.hpp"

using namespace gs;
using namespace gs::roles;
using namespace gs::session::test;
using namespace gs::roles::test;
using namespace std::chrono_literals;
using gs::session::decode;
using gs::session::encode;
using gs::session::Session;
using gs::session::Time;

TEST_CASE("a valid token joins the world; the welcome names the account") {
  Harness h;
  auto& c = h.connect(h.token("alice"));
  CHECK(c.client.state() == session::State::connected);
  CHECK(h.world.players() == 1);
  auto welcome = c.received<protocol::Welcome>();
  REQUIRE(welcome.size() == 1);
  CHECK(welcome[0].account == "alice");
  CHECK(welcome[0].world_id == "world-1");
  CHECK(welcome[0].tick_rate == 30);
}

TEST_CASE("the player does not exist before the token is checked, and bad tokens never create one") {
  Harness h;
  auto& c = *h.conns.emplace_back(std::make_unique<Conn>(h.config, h.world, h.now));
  h.world.add_client(c.server, h.now);
  std::vector<std::uint8_t> binding(32, 3);
  c.client.transport_open(binding, h.now);
  c.server.transport_open(binding, h.now);
  h.pump();
  CHECK(h.world.players() == 0);

  SUBCASE("another world's token") {
    auto& bad = h.connect(h.token("bob", "world-2"));
    CHECK(bad.events.failures == std::vector<std::string>{"wrong_audience"});
  }
  SUBCASE("an expired token") {
    auto t = h.token("bob", "world-1", 30s);
    h.wall += 40s;
    auto& bad = h.connect(t);
    CHECK(bad.events.failures == std::vector<std::string>{"expired"});
  }
  SUBCASE("a token used twice") {
    auto t = h.token("bob");
    h.connect(t);
    auto& again = h.connect(t);
    CHECK(again.events.failures == std::vector<std::string>{"jti_reused"});
    CHECK(h.world.players() == 1);
  }
  SUBCASE("garbage") {
    auto& bad = h.connect("not a token");
    CHECK(bad.events.failures == std::vector<std::string>{"wrong_part_count"});
  }
  CHECK(h.world.stats().tokens_rejected == 1);
}

TEST_CASE("the same account joining again replaces the older session") {
  Harness h;
  auto& first = h.connect(h.token("alice"));
  auto& second = h.connect(h.token("alice"));
  CHECK(h.world.players() == 1);
  auto kicked = first.received<protocol::Kicked>();
  REQUIRE(kicked.size() == 1);
  CHECK(kicked[0].reason == "replaced");
  CHECK(first.client.state() == session::State::closed);
  CHECK(second.client.state() == session::State::connected);
  CHECK(h.world.stats().replaced == 1);
}

TEST_CASE("a full world refuses another account") {
  WorldService::Settings settings;
  settings.capacity = 1;
  Harness h(settings);
  h.connect(h.token("alice"));
  auto& bob = h.connect(h.token("bob"));
  CHECK(bob.events.failures == std::vector<std::string>{"full"});
  CHECK(h.world.players() == 1);
}

TEST_CASE("joins and leaves are announced to everyone on lane 0") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  CHECK(a.received<protocol::PlayerJoined>().size() == 2);  // herself, then bob
  CHECK(b.received<protocol::PlayerJoined>().size() == 2);  // alice (existing), then himself
  CHECK(b.received<protocol::PlayerJoined>().at(0).account == "alice");
  b.client.close(false, h.now);
  h.pump();
  auto left = a.received<protocol::PlayerLeft>();
  REQUIRE(left.size() == 1);
  CHECK(left[0].player_id == b.received<protocol::Welcome>().at(0).player_id);
  CHECK(left[0].reason == "left");
  CHECK(h.world.players() == 1);
}

TEST_CASE(
    "without a game, messages on the game's lanes are dropped and counted; on lane 0 they are malformed") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  const std::vector<std::byte> bytes{std::byte{0x31}, std::byte{1}};
  for (std::uint8_t lane = protocol::lane_reliable; lane <= protocol::lane_unreliable; ++lane)
    a.client.send(lane, bytes);
  a.client.send(protocol::lane_control, bytes);
  h.pump();
  h.ticks(3);
  CHECK(h.world.stats().no_game == 4);
  CHECK(h.world.stats().malformed == 1);
  CHECK(a.client.state() == session::State::connected);
}

TEST_CASE(
    "after a duplicate-account replacement the capacity still holds (the admitted count is not decremented "
    "twice)") {
  WorldService::Settings settings;
  settings.capacity = 2;
  Harness h(settings);
  h.connect(h.token("alice"));
  auto& bob = h.connect_pending(h.token("bob"));  // admitted, not yet joined: one slot
  REQUIRE(bob.events.failures.empty());
  auto& again = h.connect(h.token("alice"));  // replaces alice's first session
  REQUIRE(again.client.state() == session::State::connected);
  h.pump();
  CHECK(h.world.players() == 1);
  auto& carol = h.connect(h.token("carol"));
  CHECK(carol.events.failures == std::vector<std::string>{"full"});
  CHECK(h.world.stats().refused_full == 1);
}

namespace {

WorldService::Settings limited(std::uint32_t per_s, std::uint32_t burst, std::uint32_t kick_drops) {
  WorldService::Settings settings;
  settings.rate_limit.input_per_s = per_s;
  settings.rate_limit.input_burst = burst;
  settings.rate_limit.kick_drops = kick_drops;
  settings.rate_limit.kick_window = 10s;
  return settings;
}

// `count` messages for the game on `lane`; with no game loaded, those the limit passes
// are counted in WorldStats::no_game.
void send(Conn& c, int count, std::uint8_t lane = protocol::lane_reliable) {
  const std::vector<std::byte> bytes{std::byte{0x33}, std::byte{0}, std::byte{0}};
  for (int i = 0; i < count; ++i) c.client.send(lane, bytes);
}

}  // namespace

TEST_CASE("rate limit: a burst within the limit passes whole, and the bucket refills at its rate") {
  Harness h(limited(1, 5, 100));
  auto& a = h.connect(h.token("alice"));
  send(a, 5);
  h.pump();
  CHECK(h.world.stats().no_game == 5);
  CHECK(h.world.stats().rate_limited == 0);
  // After 3 s, 3 more pass.
  h.now += 3s;
  send(a, 3);
  h.pump();
  CHECK(h.world.stats().no_game == 8);
  CHECK(h.world.stats().rate_limited == 0);
}

TEST_CASE("rate limit: a flood is dropped past the burst and counted, on every lane together") {
  Harness h(limited(1, 5, 100));
  auto& a = h.connect(h.token("alice"));
  send(a, 20, protocol::lane_reliable);
  send(a, 20, protocol::lane_sequenced);
  send(a, 10, protocol::lane_control);
  h.pump();
  CHECK(h.world.stats().no_game + h.world.stats().malformed == 5);
  CHECK(h.world.stats().rate_limited == 45);
  CHECK(h.world.stats().rate_limit_kicks == 0);
  CHECK(a.client.state() == session::State::connected);
}

TEST_CASE("rate limit: a player who keeps flooding is kicked with a reason") {
  Harness h(limited(1, 5, 20));
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  send(a, 5 + 21);  // the 21st drop within the window kicks
  h.pump();
  auto kicked = a.received<protocol::Kicked>();
  REQUIRE(kicked.size() == 1);
  CHECK(kicked[0].reason == "rate_limited");
  CHECK(a.client.state() == session::State::closed);
  CHECK(h.world.players() == 1);
  CHECK(h.world.stats().rate_limit_kicks == 1);
  auto left = b.received<protocol::PlayerLeft>();
  REQUIRE(left.size() == 1);
  CHECK(left[0].reason == "kicked");
}

TEST_CASE("rate limit: drops spread wider than the kick window never add up to a kick") {
  Harness h(limited(1, 1, 5));
  auto& a = h.connect(h.token("alice"));
  for (int step = 0; step < 60; ++step) {
    send(a, 2);  // one over the rate every second: 60 drops in all, 5 within any 10 s window
    h.pump();
    h.now += 2s;
  }
  CHECK(h.world.stats().rate_limited == 60);
  CHECK(h.world.stats().rate_limit_kicks == 0);
  CHECK(a.client.state() == session::State::connected);
}

TEST_CASE("rate limit: a well-behaved player, input every tick and a chat line a second, is never limited") {
  Harness h;  // default limits
  auto& a = h.connect(h.token("alice"));
  for (int tick = 0; tick < 30 * 60; ++tick) {  // a minute at the tick rate
    send(a, 1, protocol::lane_sequenced);
    if (tick % 30 == 0) send(a, 1, protocol::lane_reliable);
    h.ticks(1);
  }
  CHECK(h.world.stats().rate_limited == 0);
  CHECK(h.world.stats().rate_limit_kicks == 0);
  CHECK(h.world.stats().no_game == 30 * 60 + 60);
  CHECK(a.client.state() == session::State::connected);
}

TEST_CASE("seats: every join and leave is reported with the seat's token; seats() lists who sits now") {
  Harness h;
  std::vector<protocol::SeatUpdate> updates;
  h.world.set_seat_listener([&](const protocol::SeatUpdate& u) { updates.push_back(u); });
  auto token = h.signer.issue("alice", "world-1", 30s, h.wall);
  auto& alice = h.connect(token.token);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].account == "alice");
  CHECK(updates[0].seated);
  CHECK(updates[0].player_id == alice.received<protocol::Welcome>().at(0).player_id);
  CHECK(updates[0].jti == token.jti);
  CHECK(updates[0].since == 1'800'000'000u);
  h.connect(h.token("bob"));
  auto seated = h.world.seats();
  REQUIRE(seated.size() == 2);
  CHECK(seated[0].account == "alice");
  CHECK(seated[1].account == "bob");

  h.world.remove_client(alice.server);
  REQUIRE(updates.size() == 3);
  CHECK(updates[2].account == "alice");
  CHECK_FALSE(updates[2].seated);
  CHECK(updates[2].player_id == updates[0].player_id);
  CHECK(h.world.seats().size() == 1);
}

TEST_CASE("unseat: auth's word replaces the player that holds the seat, and only that one") {
  Harness h;
  std::vector<protocol::SeatUpdate> updates;
  h.world.set_seat_listener([&](const protocol::SeatUpdate& u) { updates.push_back(u); });
  auto& alice = h.connect(h.token("alice"));
  const std::uint32_t player = alice.received<protocol::Welcome>().at(0).player_id;

  h.world.unseat(protocol::Unseat{"alice", player + 1, "replaced"}, h.now);  // an older player id
  h.world.unseat(protocol::Unseat{"bob", player, "replaced"}, h.now);        // another account
  h.pump();
  CHECK(h.world.players() == 1);
  CHECK(alice.client.state() == session::State::connected);

  h.world.unseat(protocol::Unseat{"alice", player, "replaced"}, h.now);
  h.pump();
  CHECK(h.world.players() == 0);
  auto kicked = alice.received<protocol::Kicked>();
  REQUIRE(kicked.size() == 1);
  CHECK(kicked[0].reason == "replaced");
  CHECK(alice.client.state() == session::State::closed);
  REQUIRE(updates.size() == 2);
  CHECK_FALSE(updates[1].seated);
}
