// The real binary refuses to start a world whose game module is wrong: exit 3, naming the
// module file and the reason, before it listens.
#include <doctest/doctest.h>

#include <cstdlib>

#include "support/deployment.hpp"
#include "support/process.hpp"

namespace {

std::pair<int, std::string> start_world_with(const std::string& module,
                                             std::vector<gs::config::GameSetting> settings = {}) {
  gs::test::Deployment d("game-start");
  d.config.roles = {"world"};
  d.config.world.game.module = module;
  d.config.world.game.settings = std::move(settings);
  return gs::test::run({"--config", d.write_config().string()});
}

std::string module_env(const char* name) {
  const char* path = std::getenv(name);
  REQUIRE_MESSAGE(path, name);
  return path;
}

}  // namespace

TEST_CASE("a world whose game module is wrong exits 3 naming the file and the reason") {
  struct Case {
    const char* env;
    const char* reason;
  };
  for (auto c : {Case{"GS_TEST_MODULE_TABLE_ABI2", "ABI version 2, this world speaks 1"},
                 Case{"GS_TEST_MODULE_TABLE_NO_ENTRY", "no gs_game_module_v1 symbol"},
                 Case{"GS_TEST_MODULE_TABLE_START_FAILS", "start failed"}}) {
    CAPTURE(c.env);
    const std::string file = module_env(c.env);
    auto [status, output] = start_world_with(file);
    CHECK(status == 3);
    CHECK_MESSAGE(output.find(file) != std::string::npos, output);
    CHECK_MESSAGE(output.find(c.reason) != std::string::npos, output);
    CHECK(output.find("listening") == std::string::npos);
  }
}

TEST_CASE("a game module that refuses its settings stops the world's start with its own words") {
  const std::string file = module_env("GS_TEST_MODULE_C");
  auto [status, output] = start_world_with(file, {{"greeting", ""}});
  CHECK(status == 3);
  CHECK_MESSAGE(output.find("greeting must not be empty") != std::string::npos, output);
  auto [missing, missing_output] = start_world_with("/nonexistent/game.so");
  CHECK(missing == 3);
  CHECK_MESSAGE(missing_output.find("/nonexistent/game.so") != std::string::npos, missing_output);
}
