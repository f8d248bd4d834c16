// Soak: 200 bots log in and join within 60 s and stay, moving and chatting, against
// all roles running as a separate gameserver process.

#include <doctest/doctest.h>

#include <csignal>

#include "bot_support.hpp"
#include "support/deployment.hpp"

using namespace std::chrono_literals;

TEST_CASE("200 bots log in and join within 60 s and stay until the end") {
  gs::test::Deployment d("bot-soak");
  d.config.world.capacity = 300;
  d.config.log.level = spdlog::level::info;
  auto config = d.write_config().string();
  auto [added, add_output] = gs::test::run(
      {"account", "add", "soak", "--count", "200", "--password-stdin", "--config", config}, "soak password");
  REQUIRE_MESSAGE(added == 0, add_output);

  gs::test::Process server(gs::test::gameserver_binary(), {"--config", config});
  REQUIRE(server.wait_for("started 3 role(s)", 10s));
  gs::test::wait_until_logins_work(config, "soak200", "soak password");

  auto [status, output] = gs::test::run({"bot", "--config", config, "--user-prefix", "soak", "--count", "200",
                                         "--password-stdin", "--duration", "60", "--json"},
                                        "soak password", 120s);
  CAPTURE(output.substr(output.size() > 4000 ? output.size() - 4000 : 0));
  auto j = gs::test::last_json_line(output);
  REQUIRE(j.is_object());
  CHECK(j["count"] == 200);
  CHECK(j["logins_ok"] == 200);
  CHECK(j["joined"] == 200);
  CHECK(j["failures"] == nlohmann::json::object());
  CHECK(j["disconnects"] == nlohmann::json::object());
  CHECK(j["join_phase_s"].get<double>() <= 60);
  CHECK(j["snapshots"].get<double>() > 0);
  CHECK(status == 0);
  MESSAGE("bots: " << j.dump());

  server.signal(SIGTERM);
  CHECK(server.wait(10s) == 0);
}
