// `gameserver bot` end to end: the built binary drives ten players against roles
// running in this process, and reports failures by reason.

#include <doctest/doctest.h>

#include "bot_support.hpp"
#include "support/deployment.hpp"
#include "support/running_roles.hpp"

TEST_CASE("ten bots log in, join, move and chat, and the JSON summary counts them") {
  gs::test::Deployment d("bot");
  auto config = d.write_config().string();
  auto [added, add_output] = gs::test::run(
      {"account", "add", "bot", "--count", "10", "--password-stdin", "--config", config}, "bot password");
  REQUIRE_MESSAGE(added == 0, add_output);
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
  gs::test::wait_until_logins_work(config, "bot10", "bot password");

  SUBCASE("every bot joins") {
    auto [status, output] =
        gs::test::run({"bot", "--config", config, "--user-prefix", "bot", "--count", "10", "--password-stdin",
                       "--duration", "2", "--chat-interval", "1", "--json"},
                      "bot password");
    CAPTURE(output);
    CHECK(status == 0);
    auto j = gs::test::last_json_line(output);
    REQUIRE(j.is_object());
    CHECK(j["count"] == 10);
    CHECK(j["logins_ok"] == 10);
    CHECK(j["joined"] == 10);
    CHECK(j["failures"] == nlohmann::json::object());
    CHECK(j["disconnects"] == nlohmann::json::object());
    CHECK(j["logins_per_s"].get<double>() > 0);
    CHECK(j["snapshots"].get<int>() > 10);  // 30 per second per bot once in; fewer on a loaded machine
    CHECK(j["rtt_p99_ms"].get<double>() >= j["rtt_p50_ms"].get<double>());
    CHECK(j["inputs_sent"].get<int>() > 0);
    CHECK(j["chat_received"].get<int>() >= j["chat_sent"].get<int>());
    CHECK(j["bytes_in_per_player_s"].get<double>() > 0);
    CHECK(j["world_ticks_per_s"].get<double>() >= 0);
    // Progress lines during the run.
    CHECK(output.find("bot: 1s joined") != std::string::npos);
  }
  SUBCASE("a wrong password fails every bot with bad_credentials and exit 10") {
    auto [status, output] = gs::test::run({"bot", "--config", config, "--user-prefix", "bot", "--count", "3",
                                           "--password-stdin", "--duration", "2", "--json"},
                                          "wrong password");
    CAPTURE(output);
    CHECK(status == 10);
    auto j = gs::test::last_json_line(output);
    REQUIRE(j.is_object());
    CHECK(j["joined"] == 0);
    CHECK(j["logins_ok"] == 0);
    CHECK(j["failures"] == nlohmann::json{{"bad_credentials", 3}});
  }
  SUBCASE("accounts that do not exist fail too, and the text summary says so") {
    auto [status, output] = gs::test::run({"bot", "--config", config, "--user-prefix", "nobody", "--count",
                                           "2", "--password-stdin", "--duration", "1"},
                                          "bot password");
    CHECK(status == 10);
    CHECK(output.find("0 of 2 bots joined") != std::string::npos);
    CHECK(output.find("failed: bad_credentials x2") != std::string::npos);
  }
}

TEST_CASE("bot without --password-stdin or with a bad gateway exits 2") {
  CHECK(gs::test::run({"bot", "--user-prefix", "bot", "--count", "1", "--duration", "1"}).first == 2);
  CHECK(gs::test::run({"bot", "--user-prefix", "bot", "--count", "1", "--duration", "1", "--password-stdin",
                       "--gateway", "nowhere"},
                      "bot password")
            .first == 2);
  CHECK(gs::test::run({"bot", "--user-prefix", "bot", "--count", "0", "--duration", "1", "--password-stdin"},
                      "bot password")
            .first == 2);
}
