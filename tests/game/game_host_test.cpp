// GameHost with the C test module (modules/c_module.c): settings in, the module's calls
// out to the players, its metrics and callback errors on /metrics.
#include "game/game_host.hpp"

#include <doctest/doctest.h>

#include "exposition.hpp"
#include "game_support.hpp"

namespace {

using gs::game::ModuleError;
using gs::test::bytes;
using gs::test::HostedModule;
using gs::test::Sent;
using Level = spdlog::level::level_enum;

gs::test::Exposition scrape(const gs::game::GameHost& host) {
  gs::admin::MetricsWriter writer;
  host.collect(writer);
  auto parsed = gs::test::parse_exposition(writer.text());
  INFO(parsed.error);
  REQUIRE(parsed.exposition);
  return *parsed.exposition;
}

}  // namespace

TEST_CASE(
    "game host: the C module starts with its settings and greets a joining player on the reliable lane") {
  HostedModule m("GS_TEST_MODULE_C", {{"greeting", "welcome"}});
  m.host.start();
  CHECK(m.host.running());
  CHECK(m.lines->has(Level::info, "game=c_echo: echo started"));
  m.players.present.insert(7);
  CHECK(m.host.call_joined(7, "alice", 1700000000, "jti-1") == 0);
  CHECK(m.lines->has(Level::info, "game=c_echo: joined 7 alice"));
  CHECK(m.players.sent == std::vector<Sent>{{7, GS_LANE_RELIABLE, "welcome"}});
}

TEST_CASE("game host: messages reach the module; its sends, kicks and stats reach the players") {
  HostedModule m("GS_TEST_MODULE_C");
  m.host.start();
  m.players.present = {3};
  CHECK(m.host.call_message(3, GS_LANE_SEQUENCED, bytes("pos 1 2")) == 0);
  CHECK(m.host.call_message(3, GS_LANE_RELIABLE, bytes("stats")) == 0);
  CHECK(m.host.call_message(3, GS_LANE_UNRELIABLE, {}) == 0);
  CHECK(m.players.sent == std::vector<Sent>{{3, GS_LANE_SEQUENCED, "pos 1 2"},
                                            {3, GS_LANE_RELIABLE, "rtt=42"},
                                            {3, GS_LANE_UNRELIABLE, ""}});
  CHECK(m.host.call_message(3, GS_LANE_RELIABLE, bytes("kick")) == 0);
  CHECK(m.players.kicked == std::vector<std::pair<std::uint32_t, std::string>>{{3, "asked to"}});
  // A player the world no longer has: the module sees GS_ERR_NO_PLAYER and returns it.
  CHECK(m.host.call_message(9, GS_LANE_RELIABLE, bytes("hi")) == GS_ERR_NO_PLAYER);
}

TEST_CASE("game host: a failing callback is counted and logged, and the next one still works") {
  HostedModule m("GS_TEST_MODULE_C");
  m.host.start();
  m.players.present = {1};
  CHECK(m.host.call_message(1, GS_LANE_RELIABLE, bytes("fail")) == 1);
  CHECK(m.host.callback_errors().at("message") == 1);
  CHECK(m.lines->has(Level::warn, "game=c_echo: message returned 1 (1 failed so far)"));
  CHECK(m.host.call_message(1, GS_LANE_RELIABLE, bytes("again")) == 0);
  CHECK(m.players.sent.back() == Sent{1, GS_LANE_RELIABLE, "again"});
  CHECK(m.host.callback_errors().at("message") == 1);
}

TEST_CASE(
    "game host: NULL callbacks are skipped and not counted; nothing is called before start or after stop") {
  HostedModule m("GS_TEST_MODULE_C");
  m.players.present = {1};
  CHECK(m.host.call_joined(1, "a", 0, "j") == 0);
  CHECK(m.players.sent.empty());
  m.host.start();
  CHECK(m.host.call_suspended(1) == 0);
  CHECK(m.host.call_resumed(1) == 0);
  CHECK_FALSE(m.host.callback_errors().contains("player_suspended"));
  CHECK(m.host.callback_errors().contains("player_left"));
  m.host.stop();
  CHECK_FALSE(m.host.running());
  CHECK(m.lines->has(Level::info, "game=c_echo: stopped"));
  CHECK(m.host.call_message(1, GS_LANE_RELIABLE, bytes("x")) == 0);
  CHECK(m.players.sent.empty());
}

TEST_CASE("game host: a module that refuses to start fails with the file and its text") {
  HostedModule m("GS_TEST_MODULE_C", {{"greeting", ""}});
  std::string path = gs::test::module_path("GS_TEST_MODULE_C");
  CHECK_THROWS_WITH_AS(m.host.start(), (path + ": start failed: greeting must not be empty").c_str(),
                       ModuleError);
  CHECK_FALSE(m.host.running());
}

TEST_CASE("game host: the module's timer fires on the manual clock and broadcasts") {
  HostedModule m("GS_TEST_MODULE_C");
  m.host.start();
  m.players.present = {1};
  CHECK(m.host.call_message(1, GS_LANE_RELIABLE, bytes("later")) == 0);
  CHECK(m.host.next_due() == 1050u);
  m.host.fire_due(1049);
  CHECK(m.players.sent.empty());
  m.host.fire_due(1050);
  CHECK(m.players.sent == std::vector<Sent>{{0, GS_LANE_UNORDERED, "later", 0}});
  CHECK(m.host.next_due() == std::nullopt);
}

TEST_CASE(
    "game host: the game's counters, gauges and callback errors appear on /metrics labelled with the game") {
  HostedModule m("GS_TEST_MODULE_C");
  m.host.start();
  m.players.present = {1, 2};
  m.host.call_joined(1, "a", 0, "j1");
  m.host.call_joined(2, "b", 0, "j2");
  m.host.call_left(2, "left");
  m.host.call_tick(1, 0.05);
  m.host.call_message(1, GS_LANE_RELIABLE, bytes("fail"));
  auto e = scrape(m.host);
  using gs::test::key;
  CHECK(e.types.at("gameserver_game_joins_total") == "counter");
  CHECK(e.samples.at(key("gameserver_game_joins_total", {{"game", "c_echo"}})) == 2);
  CHECK(e.samples.at(key("gameserver_game_ticks_total", {{"game", "c_echo"}})) == 1);
  CHECK(e.types.at("gameserver_game_players") == "gauge");
  CHECK(e.samples.at(key("gameserver_game_players", {{"game", "c_echo"}})) == 1);
  CHECK(e.samples.at(key("gameserver_game_callback_errors_total",
                         {{"game", "c_echo"}, {"callback", "message"}})) == 1);
  CHECK(e.samples.at(
            key("gameserver_game_callback_errors_total", {{"game", "c_echo"}, {"callback", "tick"}})) == 0);
  CHECK_FALSE(e.samples.contains(
      key("gameserver_game_callback_errors_total", {{"game", "c_echo"}, {"callback", "player_resumed"}})));
}
