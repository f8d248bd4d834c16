// The whole login flow in one process on loopback: auth, gateway and world roles on
// their own event loop thread, a client library on the test's.

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "crypto/token_signer.hpp"
#include "store/sqlite_account_store.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;
using gs::client::Outcome;
using gs::test::add_account;
using gs::test::client_options;
using gs::test::login_once;
using gs::test::login_when_ready;
using gs::test::RunningRoles;

namespace {}  // namespace

TEST_CASE("a player logs in through the gateway and joins the world, all encrypted") {
  gs::test::Deployment d("flow-ok");
  add_account(d.config, "alice", "correct horse");
  RunningRoles roles(d.config, {"auth", "gateway", "world"});
  auto options = client_options(d.config);

  auto result = login_when_ready(options, "alice", "correct horse");
  CHECK(result.outcome == Outcome::joined);
  CHECK(result.world_id == "world-1");
  CHECK(result.player_id != 0);

  SUBCASE("wrong password") {
    auto bad = login_once(options, "alice", "wrong horse");
    CHECK(bad.outcome == Outcome::login_failed);
    CHECK(bad.reason == "bad_credentials");
  }
  SUBCASE("unknown account") {
    auto bad = login_once(options, "mallory", "correct horse");
    CHECK(bad.reason == "bad_credentials");
  }
  SUBCASE("disabled account") {
    gs::store::SqliteAccountStore(d.config.auth.database).set_disabled("alice", true);
    auto bad = login_once(options, "alice", "correct horse");
    CHECK(bad.reason == "disabled");
  }
  SUBCASE("a client that trusts another certificate refuses the server") {
    gs::test::Deployment other("flow-othercert");
    auto wrong = options;
    wrong.trust = other.config.tls.trust;
    auto bad = login_once(wrong, "alice", "correct horse");
    CHECK(bad.outcome == Outcome::certificate);
  }
  SUBCASE("a client of another game is refused with the reason") {
    auto other = options;
    other.game = "another-game";
    auto bad = login_once(other, "alice", "correct horse");
    CHECK(bad.outcome == Outcome::refused);
    CHECK(bad.reason == "wrong_game");
  }
}

// Every login below comes from 127.0.0.1 on a port of its own, as a guesser's does.
TEST_CASE(
    "wrong passwords from one host with new ports and new names are throttled after the address limit") {
  gs::test::Deployment d("flow-throttle-host");
  d.config.auth.max_failures_per_address = 20;
  add_account(d.config, "alice", "correct horse");
  RunningRoles roles(d.config, {"auth", "gateway", "world"});
  auto options = client_options(d.config);
  REQUIRE(login_when_ready(options, "alice", "correct horse").outcome == Outcome::joined);

  std::vector<std::string> reasons;
  for (int i = 0; i < 26; ++i)
    reasons.push_back(login_once(options, "guess" + std::to_string(i), "wrong horse").reason);
  for (int i = 0; i < 20; ++i)
    CHECK_MESSAGE(reasons[i] == "bad_credentials", "login ", i + 1, ": ", reasons[i]);
  for (int i = 20; i < 26; ++i) CHECK_MESSAGE(reasons[i] == "throttled", "login ", i + 1, ": ", reasons[i]);
}

TEST_CASE("chat reaches every player in the world") {
  gs::test::Deployment d("flow-chat");
  add_account(d.config, "alice", "correct horse");
  add_account(d.config, "bob", "battery staple");
  RunningRoles roles(d.config, {"auth", "gateway", "world"});
  auto options = client_options(d.config);
  REQUIRE(login_when_ready(options, "alice", "correct horse").outcome == Outcome::joined);

  asio::io_context io;
  gs::client::Client alice(io, options), bob(io, options);
  std::vector<std::string> bob_heard;
  gs::client::ClientEvents bob_events;
  bob_events.chat = [&](const gs::protocol::ChatEvent& c) {
    bob_heard.push_back(c.account + ": " + c.text);
    io.stop();
  };
  bob.set_events(std::move(bob_events));
  int joined = 0;
  auto on_join = [&](const gs::client::FlowResult& r) {
    REQUIRE(r.outcome == Outcome::joined);
    if (++joined == 2) alice.send_chat("hello bob");
  };
  alice.login_and_join("alice", "correct horse", on_join);
  bob.login_and_join("bob", "battery staple", on_join);
  asio::steady_timer limit(io);
  limit.expires_after(10s);
  limit.async_wait([&](const asio::error_code&) { io.stop(); });
  io.run();
  CHECK(bob_heard == std::vector<std::string>{"alice: hello bob"});
}

TEST_CASE("with no world running, a correct login answers no_world") {
  gs::test::Deployment d("flow-noworld");
  add_account(d.config, "alice", "correct horse");
  RunningRoles roles(d.config, {"auth", "gateway"});
  auto options = client_options(d.config);
  // Wait for the gateway's link, then expect no_world to stay.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  gs::client::FlowResult result;
  do {
    result = login_once(options, "alice", "correct horse");
    if (result.reason == "no_world") break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK(result.outcome == Outcome::login_failed);
  CHECK(result.reason == "no_world");
}

TEST_CASE("with auth down, clients get unavailable at once") {
  gs::test::Deployment d("flow-noauth");
  RunningRoles roles(d.config, {"gateway"});
  auto start = std::chrono::steady_clock::now();
  auto result = login_once(client_options(d.config), "alice", "correct horse");
  CHECK(result.outcome == Outcome::login_failed);
  CHECK(result.reason == "unavailable");
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

TEST_CASE("gateway and world links come back by themselves after auth restarts") {
  gs::test::Deployment d("flow-restart");
  add_account(d.config, "alice", "correct horse");
  auto options = client_options(d.config);
  RunningRoles front(d.config, {"gateway", "world"});
  {
    RunningRoles auth(d.config, {"auth"});
    REQUIRE(login_when_ready(options, "alice", "correct horse").outcome == Outcome::joined);
  }
  // Auth is gone: logins fail at once with a clear reason instead of hanging.
  auto down = login_once(options, "alice", "correct horse");
  CHECK(down.reason == "unavailable");

  RunningRoles auth_again(d.config, {"auth"});
  auto back = std::chrono::steady_clock::now();
  auto result = login_when_ready(options, "alice", "correct horse");
  CHECK(result.outcome == Outcome::joined);
  CHECK(std::chrono::steady_clock::now() - back < 5s);
}

namespace {

// Signs a token with the deployment's own signing key, as auth would.
std::string issue_token(const gs::config::Config& config, const std::string& sub, const std::string& aud,
                        std::chrono::seconds ttl, std::chrono::sys_seconds now) {
  auto key = gs::crypto::read_private_key_file(config.auth.token_key);
  auto kid = gs::crypto::default_kid(key.public_key());
  gs::crypto::TokenSigner signer(config.auth.id, kid, std::move(key));
  return signer.issue(sub, aud, ttl, now).token;
}

gs::client::FlowResult join_with(const gs::config::Config& config, const std::string& token) {
  asio::io_context io;
  gs::client::Client client(io, client_options(config));
  gs::client::FlowResult result;
  client.join_world(token, config.world.public_address.to_string(), [&](const gs::client::FlowResult& r) {
    result = r;
    client.close();
    io.stop();
  });
  io.run();
  return result;
}

}  // namespace

TEST_CASE("the world admits a valid token once, and refuses expired, foreign and reused ones") {
  gs::test::Deployment d("flow-tokens");
  d.config.world.token_leeway = 0s;
  RunningRoles roles(d.config, {"world"});
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

  auto token = issue_token(d.config, "alice", "world-1", 30s, now);
  CHECK(join_with(d.config, token).outcome == Outcome::joined);

  auto reused = join_with(d.config, token);
  CHECK(reused.outcome == Outcome::refused);
  CHECK(reused.reason == "jti_reused");

  auto foreign = join_with(d.config, issue_token(d.config, "alice", "world-2", 30s, now));
  CHECK(foreign.outcome == Outcome::refused);
  CHECK(foreign.reason == "wrong_audience");

  auto expired = join_with(d.config, issue_token(d.config, "alice", "world-1", 5s, now - 10s));
  CHECK(expired.outcome == Outcome::refused);
  CHECK(expired.reason == "expired");

  gs::test::Deployment other("flow-tokens-other");
  auto forged = join_with(d.config, issue_token(other.config, "alice", "world-1", 30s, now));
  CHECK(forged.outcome == Outcome::refused);
  CHECK(forged.reason == "unknown_kid");
}

// A token signed with the deployment's own key, as auth would, but naming another
// issuer: only the auth ids in world.token_issuers may send players.
TEST_CASE("the world refuses a token with the right key but another issuer") {
  gs::test::Deployment d("flow-issuer");
  RunningRoles roles(d.config, {"world"});
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto config = d.config;
  config.auth.id = "auth-evil";
  auto forged = join_with(d.config, issue_token(config, "alice", "world-1", 30s, now));
  CHECK(forged.outcome == Outcome::refused);
  CHECK(forged.reason == "wrong_issuer");
  CHECK(join_with(d.config, issue_token(d.config, "alice", "world-1", 30s, now)).outcome == Outcome::joined);
}

TEST_CASE("a token issued with the longest auth.token_ttl (10 minutes) is admitted by the world") {
  gs::test::Deployment d("flow-long-ttl");
  RunningRoles roles(d.config, {"world"});
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  CHECK(join_with(d.config, issue_token(d.config, "alice", "world-1", 600s, now)).outcome == Outcome::joined);
}
