// One role per process, as on separate machines: auth, gateway and world each run
// from their own config file and find each other over authenticated links.

#include <doctest/doctest.h>

#include <csignal>
#include <thread>

#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "store/password_hash.hpp"
#include "store/sqlite_account_store.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::client::Outcome;
using gs::test::client_options;
using gs::test::Process;
using gs::test::start_role;

TEST_CASE("auth, gateway and world in three processes: login works; a world restart is survived") {
  gs::test::Deployment d("three");
  {
    gs::store::SqliteAccountStore accounts(d.config.auth.database);
    gs::store::PasswordHasher hasher({1, 8192});
    accounts.add("alice", *hasher.hash("correct horse"),
                 std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  }
  auto auth = start_role(d, "auth");
  auto gateway = start_role(d, "gateway");
  auto world = start_role(d, "world");
  CHECK(gateway->wait_for("linked to auth", 10s));
  auto options = client_options(d.config);
  auto first = gs::test::login_when_ready(options, "alice", "correct horse", 15s, 200ms);
  REQUIRE(first.outcome == Outcome::joined);

  // A player in the world sees the world go away, with a reason.
  asio::io_context io;
  gs::client::Client player(io, options);
  std::string gone;
  gs::client::ClientEvents events;
  events.disconnected = [&](std::string_view reason) {
    gone = std::string(reason);
    io.stop();
  };
  player.set_events(std::move(events));
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
  auto again = gs::test::login_when_ready(options, "alice", "correct horse", 15s, 200ms);
  CHECK(again.outcome == Outcome::joined);

  for (auto* p : {world.get(), gateway.get(), auth.get()}) {
    p->signal(SIGTERM);
    CHECK(p->wait(5s) == 0);
  }
}
