#include <doctest/doctest.h>

#include <filesystem>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <asio/ip/udp.hpp>

#include "common/log.hpp"
#include "roles/registry.hpp"
#include "runtime/runtime.hpp"
#include "runtime/udp_bind.hpp"
#include "support/deployment.hpp"

namespace {

// Every role on an ephemeral loopback port, quiet logs.
gs::config::Config ephemeral_config() {
  gs::config::Config config;
  config.log.level = spdlog::level::warn;
  config.workers.threads = 1;
  config.auth.listen = {"127.0.0.1", 0};
  config.gateway.listen = {"127.0.0.1", 0};
  config.world.listen = {"::1", 0};
  return config;
}

}  // namespace

TEST_CASE("the role table names gateway, auth and world, auth first") {
  auto table = gs::roles::role_table();
  REQUIRE(table.size() == 3);
  CHECK(table[0].name == "auth");
  CHECK(table[1].name == "gateway");
  CHECK(table[2].name == "world");
  for (const auto& entry : table) CHECK_FALSE(entry.summary.empty());
}

TEST_CASE("make_role builds each role by name and refuses unknown names") {
  asio::io_context io;
  gs::WorkerPool workers(1);
  auto config = ephemeral_config();
  gs::RoleContext context{io, gs::make_logger("test", spdlog::level::warn, gs::LogFormat::text), workers};
  for (const char* name : {"auth", "gateway", "world"}) {
    auto role = gs::roles::make_role(name, config, context);
    REQUIRE(role);
    CHECK(role->name() == name);
  }
  CHECK(gs::roles::make_role("lobby", config, context) == nullptr);
}

TEST_CASE("all roles start in one process and stop on request") {
  gs::test::Deployment deployment("runtime-all");
  auto& config = deployment.config;
  gs::Runtime runtime(config, {"auth", "gateway", "world"}, gs::roles::make_role);
  bool started = false;
  runtime.on_started([&] {
    started = true;
    runtime.request_stop();
  });
  runtime.run(/*handle_signals=*/false);
  CHECK(started);
}

TEST_CASE("request_stop works from another thread") {
  gs::test::Deployment deployment("runtime-thread");
  auto& config = deployment.config;
  gs::Runtime runtime(config, {"gateway"}, gs::roles::make_role);
  std::thread stopper;
  runtime.on_started([&] { stopper = std::thread([&] { runtime.request_stop(); }); });
  runtime.run(false);
  stopper.join();
}

TEST_CASE("the roles' loop polls up to event_loop.busy_poll, and never with 0us") {
  using namespace std::chrono_literals;
  for (auto limit : {50us, 0us}) {
    CAPTURE(limit.count());
    gs::test::Deployment deployment("runtime-poll");
    auto& config = deployment.config;
    config.event_loop.busy_poll = limit;
    gs::Runtime runtime(config, {"auth", "gateway", "world"}, gs::roles::make_role);
    std::thread stopper;
    runtime.on_started([&] {
      // The gateway's and world's links to auth are handshakes on this same loop.
      stopper = std::thread([&] {
        std::this_thread::sleep_for(300ms);
        runtime.request_stop();
      });
    });
    runtime.run(false);
    stopper.join();
    CHECK(runtime.loop().window().limit() == limit);
    if (limit == 0us) {
      CHECK(runtime.loop().stats().polled == 0ns);
      CHECK(runtime.loop().stats().idle_periods == 0);  // io_context::run() itself
    } else {
      CHECK(runtime.loop().stats().idle_periods > 0);
      CHECK(runtime.loop().stats().polled > 0ns);
    }
  }
}

TEST_CASE("a port in use fails start-up with the role and address named") {
  asio::io_context io;
  auto taken = gs::bind_udp(io, "test", {"127.0.0.1", 0});
  gs::test::Deployment deployment("runtime-busy");
  auto& config = deployment.config;
  config.gateway.listen = {"127.0.0.1", taken.local_endpoint().port()};
  gs::Runtime runtime(config, {"auth", "gateway"}, gs::roles::make_role);
  std::string message;
  try {
    runtime.run(false);
  } catch (const gs::StartError& e) {
    message = e.what();
  }
  CHECK(message.rfind("gateway: cannot listen on " + config.gateway.listen.to_string() + ": ", 0) == 0);
  CHECK(message.find("in use") != std::string::npos);
}

TEST_CASE("an address that does not resolve fails start-up clearly") {
  gs::test::Deployment deployment("runtime-resolve");
  auto& config = deployment.config;
  config.world.listen = {"no-such-host.invalid", 7200};
  gs::Runtime runtime(config, {"world"}, gs::roles::make_role);
  CHECK_THROWS_WITH_AS(runtime.run(false),
                       doctest::Contains("world: cannot listen on no-such-host.invalid:7200"),
                       gs::StartError);
}

TEST_CASE("a missing key file fails start-up naming the file and the key") {
  gs::test::Deployment deployment("runtime-nokey");
  auto& config = deployment.config;
  std::filesystem::remove(config.auth.token_key);
  gs::Runtime runtime(config, {"auth"}, gs::roles::make_role);
  CHECK_THROWS_WITH_AS(runtime.run(false), doctest::Contains(config.auth.token_key.string().c_str()),
                       gs::StartError);
}

namespace {

// A role whose graceful stop never finishes (a stuck flush, say).
class StuckRole final : public gs::Role {
 public:
  std::string_view name() const override { return "stuck"; }
  void start() override {}
  void stop(std::function<void()>) override {}
};

std::unique_ptr<gs::Role> make_stuck(std::string_view, const gs::config::Config&, gs::RoleContext&) {
  return std::make_unique<StuckRole>();
}

}  // namespace

TEST_CASE("a role that never finishes stopping is given up on after the grace period") {
  gs::config::Config config;
  config.log.level = spdlog::level::off;
  gs::Runtime runtime(config, {"stuck"}, make_stuck);
  runtime.on_started([&] { runtime.request_stop(); });
  auto start = std::chrono::steady_clock::now();
  runtime.run(false);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= gs::Runtime::stop_grace);
  CHECK(took < gs::Runtime::stop_grace + std::chrono::seconds(5));
}

TEST_CASE("a second SIGTERM exits at once while a graceful stop is still waiting") {
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(ready[0]);
    gs::config::Config config;
    config.log.level = spdlog::level::off;
    gs::Runtime runtime(config, {"stuck"}, make_stuck);
    runtime.on_started([&] {
      char byte = 1;
      (void)!write(ready[1], &byte, 1);
    });
    runtime.run(/*handle_signals=*/true);
    _exit(0);  // only reached if the second signal did not end the process
  }
  close(ready[1]);
  char byte = 0;
  REQUIRE(read(ready[0], &byte, 1) == 1);
  close(ready[0]);
  auto start = std::chrono::steady_clock::now();
  kill(child, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(child, SIGTERM);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(std::chrono::steady_clock::now() - start < gs::Runtime::stop_grace);
}
