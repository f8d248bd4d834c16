// One role per process, as on separate machines: auth, gateway and world each run
// from their own config file and find each other over authenticated links.

#include <doctest/doctest.h>

#include <csignal>
#include <thread>

#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "store/sqlite_account_store.hpp"
#include "store/password_hash.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::client::Outcome;
using gs::test::Process;

namespace {

std::unique_ptr<Process> start_role(gs::test::Deployment& d, const std::string& role) {
  auto config = d.config;
  config.roles = {role};
  config.development = false;
  config.log.level = spdlog::level::info;
  auto saved = d.config;
  d.config = config;
  auto path = d.write_config(role + ".yaml");
  d.config = saved;
  auto process = std::make_unique<Process>(gs::test::gameserver_binary(), std::vector<std::string>{"--config", path.string()});
  REQUIRE(process->wait_for(role + " listening on", 10s));
  return process;
}

gs::client::ClientOptions client_options(const gs::config::Config& config) {
  gs::client::ClientOptions options;
  options.gateway = config.gateway.listen;
  options.trust = config.tls.trust;
  options.timeout = 5s;
  return options;
}

gs::client::FlowResult login_when_ready(const gs::client::ClientOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + 15s;
  for (;;) {
    asio::io_context io;
    gs::client::Client client(io, options);
    gs::client::FlowResult result;
    client.login_and_join("alice", "correct horse", [&](const gs::client::FlowResult& r) {
      result = r;
      client.close();
      io.stop();
    });
    io.run();
    bool starting = result.outcome == Outcome::login_failed && (result.reason == "unavailable" || result.reason == "no_world");
    if (!starting || std::chrono::steady_clock::now() > deadline) return result;
    std::this_thread::sleep_for(200ms);
  }
}

}  // namespace

TEST_CASE("auth, gateway and world in three processes: login works; a world restart is survived") {
  gs::test::Deployment d("three");
  {
    gs::store::sqlite_account_store accounts(d.config.auth.database);
    gs::store::password_hasher hasher({1, 8192});
    accounts.add("alice", *hasher.hash("correct horse"), std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  }
  auto auth = start_role(d, "auth");
  auto gateway = start_role(d, "gateway");
  auto world = start_role(d, "world");
  CHECK(gateway->wait_for("linked to auth", 10s));
  auto options = client_options(d.config);
  auto first = login_when_ready(options);
  REQUIRE(first.outcome == Outcome::joined);

  // A player in the world sees the world go away, with a reason.
  asio::io_context io;
  gs::client::Client player(io, options);
  std::string gone;
  player.set_events({{}, {}, {}, {}, [&](std::string_view reason) {
                       gone = std::string(reason);
                       io.stop();
                     }});
  player.login_and_join("alice", "correct horse", [&](const gs::client::FlowResult& r) {
    REQUIRE(r.outcome == Outcome::joined);
    world->signal(SIGTERM);
  });
  asio::steady_timer limit(io);
  limit.expires_after(15s);
  limit.async_wait([&](const asio::error_code&) { io.stop(); });
  io.run();
  CHECK_FALSE(gone.empty());
  CHECK(world->wait(5s) == 0);

  // Without a world, logins say so; once it is back, players get in again.
  world = start_role(d, "world");
  auto again = login_when_ready(options);
  CHECK(again.outcome == Outcome::joined);

  for (auto* p : {world.get(), gateway.get(), auth.get()}) {
    p->signal(SIGTERM);
    CHECK(p->wait(5s) == 0);
  }
}
