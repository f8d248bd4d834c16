// The built binary, end to end: the development config starts and stops, bad
// input exits 2 with a located message, start-up failures exit 3.

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <asio/io_context.hpp>

#include "runtime/udp_bind.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::test::Process;

namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("gameserver-cli-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

// etc/gameserver.yaml as it is, copied to DIR/etc with its game module, the arena, taken
// from this build rather than ../build (so its keys and accounts land in DIR/data).
std::filesystem::path development_config(const std::filesystem::path& dir) {
  std::ifstream in(gs::test::source_root() + "/etc/gameserver.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string module = "module: ../build/games/arena/arena.so";
  const auto at = text.find(module);
  REQUIRE(at != std::string::npos);
  text.replace(at, module.size(), "module: " + gs::test::arena_module());
  std::filesystem::create_directories(dir / "etc");
  std::ofstream(dir / "etc/gameserver.yaml") << text;
  return dir / "etc/gameserver.yaml";
}

TEST_CASE("the development config starts all three roles and the arena; SIGTERM stops them with exit 0") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("gameserver-cli-dev-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  Process server(gs::test::gameserver_binary(), {"--config", development_config(dir).string()});
  for (const char* line : {"auth listening on 127.0.0.1:7100", "gateway listening on 127.0.0.1:7000",
                           "world: game arena 1.0.0 from", "world listening on 127.0.0.1:7200"}) {
    CAPTURE(line);
    REQUIRE(server.wait_for(line, 10s));
  }
  server.signal(SIGTERM);
  auto before = std::chrono::steady_clock::now();
  CHECK(server.wait(5s) == 0);
  CHECK(std::chrono::steady_clock::now() - before < 5s);
  CHECK(server.output().find("stopped") != std::string::npos);
  std::filesystem::remove_all(dir);
}

// True once `pid` ignores SIGHUP (bit 0 of SigIgn in /proc/PID/status).
bool ignores_sighup(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("SigIgn:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) & 1) != 0;
  return false;
}

TEST_CASE("SIGHUP while the roles start is set aside, and reloads once they run") {
  gs::test::Deployment deployment("cli-early-hup");
  deployment.config.log.level = spdlog::level::info;
  auto config = deployment.write_config();
  Process server(gs::test::gameserver_binary(), {"--config", config.string()});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!ignores_sighup(server.pid()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100us);
  REQUIRE(ignores_sighup(server.pid()));
  // Keys, the account database and the password hasher's dummy hash take a while:
  // hang-ups land in the middle of it, one every few milliseconds.
  int sent = 0;
  bool started = false;
  while (!started && sent < 1000 && std::chrono::steady_clock::now() < deadline) {
    server.signal(SIGHUP);
    ++sent;
    started = server.wait_for("started 3 role(s)", 3ms);
  }
  INFO(server.output());
  REQUIRE(started);
  CHECK(sent > 1);
  server.signal(SIGHUP);
  CHECK(server.wait_for("reloading keys", 5s));
  server.signal(SIGTERM);
  CHECK(server.wait(5s) == 0);
}

TEST_CASE("a burst of SIGHUPs makes one or two reloads, and SIGTERM still stops at once") {
  gs::test::Deployment deployment("cli-hup-burst");
  deployment.config.log.level = spdlog::level::info;
  auto config = deployment.write_config();
  Process server(gs::test::gameserver_binary(), {"--config", config.string()});
  REQUIRE(server.wait_for("started 3 role(s)", 10s));
  for (int i = 0; i < 2000; ++i) server.signal(SIGHUP);
  // The first reload runs at once, the rest of the burst waits for one more a second later.
  std::this_thread::sleep_for(1500ms);
  server.signal(SIGTERM);
  auto before = std::chrono::steady_clock::now();
  CHECK(server.wait(5s) == 0);
  CHECK(std::chrono::steady_clock::now() - before < 3s);
  std::size_t reloads = 0;
  for (auto at = server.output().find("reloading keys"); at != std::string::npos;
       at = server.output().find("reloading keys", at + 1))
    ++reloads;
  INFO(server.output());
  CHECK(reloads >= 1);
  CHECK(reloads <= 2);
}

TEST_CASE("--role overrides the config's role list") {
  gs::test::Deployment deployment("cli-role");
  deployment.config.log.level = spdlog::level::info;
  auto config = deployment.write_config();
  Process server(gs::test::gameserver_binary(), {"--config", config.string(), "--role", "gateway"});
  REQUIRE(server.wait_for("started 1 role(s): gateway", 10s));
  server.signal(SIGINT);
  CHECK(server.wait(5s) == 0);
  CHECK(server.output().find("auth listening") == std::string::npos);
}

TEST_CASE("a bad config exits 2 naming file, line, column and key") {
  auto config = write_temp("bad.yaml", "roles: [world]\nworld:\n  tick_rate: 0\n");
  auto [status, output] = gs::test::run({"--config", config.string()});
  CHECK(status == 2);
  CHECK(output.find(config.string() +
                    ":3:14: world.tick_rate: expected a whole number from 1 to 240, found 0") !=
        std::string::npos);
}

TEST_CASE("check-config prints the effective config, defaults included") {
  auto config = write_temp("check.yaml", "roles: [world]\nworld: {id: w9}\n");
  auto [status, output] = gs::test::run({"check-config", "--config", config.string()});
  CHECK(status == 0);
  CHECK(output.find("id: w9") != std::string::npos);
  CHECK(output.find("tick_rate: 30") != std::string::npos);
  CHECK(output.find("timeout: 10s") != std::string::npos);
  CHECK(output.find("busy_poll: 50us") != std::string::npos);
}

TEST_CASE("event_loop.busy_poll is a duration of at most 1ms") {
  auto config = write_temp("poll.yaml", "roles: [world]\nevent_loop:\n  busy_poll: 2ms\n");
  auto [status, output] = gs::test::run({"check-config", "--config", config.string()});
  CHECK(status == 2);
  CHECK(output.find(config.string() + ":3:14: event_loop.busy_poll: expected a duration from 0s to 1ms") !=
        std::string::npos);
  auto off = write_temp("poll-off.yaml", "roles: [world]\nevent_loop: {busy_poll: 0us}\n");
  auto [off_status, off_output] = gs::test::run({"check-config", "--config", off.string()});
  CHECK(off_status == 0);
  CHECK(off_output.find("busy_poll: 0s") != std::string::npos);
}

TEST_CASE("bad command lines exit 2") {
  CHECK(gs::test::run({"--role", "lobby"}).first == 2);
  CHECK(gs::test::run({"--config", "/nonexistent/gameserver.yaml"}).first == 2);
  CHECK(gs::test::run({"--bogus-flag"}).first == 2);
  CHECK(gs::test::run({"check-config"}).first == 2);
  CHECK(gs::test::run({"bench", "serve", "--busy-poll", "2ms"}).first == 2);
  CHECK(gs::test::run({"bench", "local", "--enet-peers", "0"}).first == 2);
  auto [status, output] = gs::test::run({});
  CHECK(status == 2);
  CHECK(output.find("nothing to run") != std::string::npos);
}

TEST_CASE("--help documents the exit codes and --version prints the version") {
  auto [status, output] = gs::test::run({"--help"});
  CHECK(status == 0);
  CHECK(output.find("Exit status: 0 success; 1 runtime failure; 2 bad command line or config") !=
        std::string::npos);
  CHECK(output.find("SIGHUP re-reads certificates, token keys and link secrets") != std::string::npos);
  CHECK(output.find("check-config") != std::string::npos);
  auto version = gs::test::run({"--version"});
  CHECK(version.first == 0);
  CHECK(version.second.find('.') != std::string::npos);
}

TEST_CASE("a port in use exits 3 naming the role and the address") {
  asio::io_context io;
  auto taken = gs::bind_udp(io, "test", {"127.0.0.1", 0});
  auto port = std::to_string(taken.local_endpoint().port());
  gs::test::Deployment deployment("cli-busy");
  deployment.config.gateway.listen.port = taken.local_endpoint().port();
  auto config = deployment.write_config();
  auto [status, output] = gs::test::run({"--config", config.string(), "--role", "gateway"});
  CHECK(status == 3);
  CHECK(output.find("gateway: cannot listen on 127.0.0.1:" + port + ": ") != std::string::npos);
}

TEST_CASE("JSON log lines are one object per line") {
  gs::test::Deployment deployment("cli-json");
  deployment.config.log = {spdlog::level::info, gs::LogFormat::json};
  deployment.config.development = false;
  auto config = deployment.write_config();
  Process server(gs::test::gameserver_binary(), {"--config", config.string(), "--role", "auth"});
  REQUIRE(server.wait_for("listening", 10s));
  auto lines = server.output();
  auto start = lines.find("{\"time\"");
  REQUIRE(start != std::string::npos);
  auto line = std::optional<std::string>(lines.substr(start, lines.find('\n', start) - start));
  CHECK(line->front() == '{');
  CHECK(line->back() == '}');
  CHECK(line->find(R"("level":"info","logger":"auth","msg":"auth listening on 127.0.0.1:)") !=
        std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait(5s) == 0);
}
