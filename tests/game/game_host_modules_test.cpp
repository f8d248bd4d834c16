// GameHost against modules that misbehave: one calling every host function with bad
// arguments (modules/bad_args.c), the C++ one throwing (modules/cpp_module.cpp), and the
// table variants whose start fails (modules/table_module.c).
#include "game/game_host.hpp"

#include <doctest/doctest.h>

#include <map>

#include "game_support.hpp"

namespace {

using gs::game::ModuleError;
using gs::test::bytes;
using gs::test::HostedModule;
using gs::test::Sent;
using Level = spdlog::level::level_enum;

// The "CASE=RESULT" lines bad_args.c logged.
std::map<std::string, long long> results(const gs::test::LogLines& lines) {
  std::map<std::string, long long> out;
  const std::string prefix = "game=bad_args: ";
  for (const auto& [level, line] : lines.lines) {
    if (!line.starts_with(prefix)) continue;
    auto equals = line.find('=', prefix.size());
    if (equals == std::string::npos) continue;
    out[line.substr(prefix.size(), equals - prefix.size())] = std::stoll(line.substr(equals + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("game host: bad arguments to send, broadcast, kick and stats are refused with their gs_result") {
  HostedModule m("GS_TEST_MODULE_BAD_ARGS");
  m.host.start();
  auto r = results(*m.lines);
  REQUIRE(r["done"] == 1);
  for (const char* name : {"send_null_host", "send_null_data", "broadcast_null_host", "broadcast_null_data",
                           "kick_null_host", "kick_null_reason", "kick_empty_reason", "kick_long_reason",
                           "kick_newline_reason", "kick_utf8_reason", "stats_null_out", "stats_null_host"}) {
    CAPTURE(name);
    CHECK(r.at(name) == GS_ERR_ARGUMENT);
  }
  for (const char* name : {"send_lane0", "send_lane5", "broadcast_lane0", "broadcast_lane5"}) {
    CAPTURE(name);
    CHECK(r.at(name) == GS_ERR_LANE);
  }
  CHECK(r.at("send_oversize") == GS_ERR_TOO_LARGE);
  CHECK(r.at("broadcast_oversize") == GS_ERR_TOO_LARGE);
  // Valid arguments reach the players (none is present): an empty message and a 32-byte reason.
  CHECK(r.at("send_empty") == GS_ERR_NO_PLAYER);
  CHECK(r.at("kick_32_reason") == GS_ERR_NO_PLAYER);
  CHECK(m.players.sent.empty());
  CHECK(m.players.kicked.empty());
}

TEST_CASE("game host: bad timer, setting, clock and log calls are refused without a crash") {
  HostedModule m("GS_TEST_MODULE_BAD_ARGS");
  m.host.start();
  auto r = results(*m.lines);
  CHECK(r.at("timer_start_null_host") == 0);
  CHECK(r.at("timer_cancel_zero") == GS_ERR_ARGUMENT);
  CHECK(r.at("timer_cancel_unknown") == GS_ERR_ARGUMENT);
  CHECK(r.at("timer_cancel_null_host") == GS_ERR_ARGUMENT);
  CHECK(r.at("setting_null_key") == 1);
  CHECK(r.at("setting_null_host") == 1);
  CHECK(r.at("now_null_host") == 0);
  CHECK(m.lines->has(Level::info, "game=bad_args: (NULL message)"));
  CHECK(m.lines->has(Level::err, "game=bad_args: level99"));
  for (const auto& [level, line] : m.lines->lines) CHECK(line.find("not logged") == std::string::npos);
}

TEST_CASE("game host: bad metric names, kinds and values are refused; at most 256 names") {
  HostedModule m("GS_TEST_MODULE_BAD_ARGS");
  m.host.start();
  auto r = results(*m.lines);
  for (const char* name :
       {"counter_null_host", "counter_null_name", "counter_empty_name", "counter_upper_name",
        "counter_digit_first", "counter_dash_name", "counter_long_name", "counter_total_suffix",
        "counter_reserved", "counter_negative", "counter_nan", "gauge_on_counter", "counter_on_gauge",
        "gauge_infinite", "gauge_null_host", "metric_over_limit"}) {
    CAPTURE(name);
    CHECK(r.at(name) == GS_ERR_ARGUMENT);
  }
  CHECK(r.at("counter_64_name") == GS_OK);
  CHECK(r.at("counter_ok") == GS_OK);
  CHECK(r.at("gauge_ok") == GS_OK);
  CHECK(r.at("metric_names_added") == 256 - 3);
  CHECK(r.at("metric_existing_after_limit") == GS_OK);
  gs::admin::MetricsWriter writer;
  m.host.collect(writer);
  std::string text = writer.text();
  CHECK(text.find("gameserver_game_kills_total{game=\"bad_args\"} 2\n") != std::string::npos);
  CHECK(text.find("gameserver_game_level{game=\"bad_args\"} 4\n") != std::string::npos);
}

TEST_CASE("game host: a C++ module whose constructor throws fails to start with the exception's text") {
  HostedModule m("GS_TEST_MODULE_CPP", {{"fail", "no arena"}});
  std::string path = gs::test::module_path("GS_TEST_MODULE_CPP");
  CHECK_THROWS_WITH_AS(m.host.start(), (path + ": start failed: refusing to start: no arena").c_str(),
                       ModuleError);
}

TEST_CASE(
    "game host: a C++ module's exception in a callback is caught, logged, counted; the next call works") {
  HostedModule m("GS_TEST_MODULE_CPP");
  m.host.start();
  m.players.present = {5};
  CHECK(m.host.call_message(5, GS_LANE_RELIABLE, bytes("throw")) != 0);
  CHECK(m.lines->has(Level::err, "game=cpp_echo: message: cannot handle message from player 5"));
  CHECK(m.host.callback_errors().at("message") == 1);
  CHECK(m.host.call_message(5, GS_LANE_UNORDERED, bytes("fine")) == 0);
  CHECK(m.players.sent == std::vector<Sent>{{5, GS_LANE_UNORDERED, "fine"}});
  CHECK(m.host.call_tick(1, 0.05) == 0);
  CHECK(m.host.callback_errors().at("message") == 1);
  m.host.stop();
}

TEST_CASE("game host: a C module whose start fails gives its message; a later revision's table runs") {
  HostedModule failing("GS_TEST_MODULE_TABLE_START_FAILS");
  std::string path = gs::test::module_path("GS_TEST_MODULE_TABLE_START_FAILS");
  CHECK_THROWS_WITH_AS(failing.host.start(), (path + ": start failed: no map named \"moon\"").c_str(),
                       ModuleError);
  HostedModule bigger("GS_TEST_MODULE_TABLE_BIGGER");
  bigger.host.start();
  CHECK(bigger.host.call_tick(1, 0.1) == 0);
  bigger.host.stop();
}
