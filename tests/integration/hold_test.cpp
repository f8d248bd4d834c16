// State exhaustion against the gateway role: thousands of DTLS handshakes left half
// open and connections that finish DTLS but never authenticate. The half-open cap
// (1,000) holds and counts its refusals, both kinds are dropped at their timeouts
// (handshake 10 s, session authentication 5 s), and a real login gets through while
// they last. The per-source limits keep one host (127.0.0.2) to 8 of each kind.

#include <doctest/doctest.h>

#include <thread>

#include "client/client.hpp"
#include "flood.hpp"
#include "flood_support.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/process.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;
using gs::test::sample;

namespace {

gs::client::FlowResult login(const gs::config::Config& config) {
  auto options = gs::test::client_options(config);
  options.timeout = 10s;
  return gs::test::login_when_ready(options, "alice", "correct horse", 10s);
}

double refused_half_open(const gs::test::Exposition& e) {
  return sample(e, "gameserver_dtls_handshake_failures_total", "gateway", {{"reason", "half_open_cap"}});
}

double authenticating(const gs::test::Exposition& e) {
  return sample(e, "gameserver_connections", "gateway", {{"state", "authenticating"}});
}

}  // namespace

TEST_CASE(
    "half-open handshakes and unauthenticated connections: capped, counted, dropped at their timeouts") {
  gs::test::Deployment d("hold");
  d.config.gateway.max_clients_per_address = 100000;  // every connection here comes from 127.0.0.1
  auto [added, add_output] =
      gs::test::run({"account", "add", "alice", "--password-stdin", "--config", d.write_config().string()},
                    "correct horse");
  REQUIRE_MESSAGE(added == 0, add_output);
  gs::test::RunningRolesWithAdmin roles(d.config, {"auth", "gateway", "world"});
  const auto port = roles.admin.port();
  REQUIRE(login(d.config).outcome == gs::client::Outcome::joined);

  sockaddr_in gateway = gs::test::flood::parse_target(d.config.gateway.listen.to_string());
  const auto started = std::chrono::steady_clock::now();

  // 800 handshakes left half open: below the cap of 1,000, all held.
  gs::test::flood::HeldHandshakes half_open(gateway, 800, /*complete=*/false);
  CHECK(half_open.result().cookies == 800);
  auto e = gs::test::scrape_until(
      port, [](const auto& x) { return sample(x, "gameserver_dtls_half_open", "gateway") == 800; }, 5s);
  REQUIRE(e);
  CHECK(sample(*e, "gameserver_dtls_half_open", "gateway") == 800);

  // 150 connections that finish DTLS and then never authenticate.
  gs::test::flood::HeldHandshakes silent(gateway, 150, /*complete=*/true);
  CHECK(silent.result().established == 150);
  e = gs::test::scrape_until(
      port, [](const auto& x) { return authenticating(x) == 150; }, 5s);
  REQUIRE(e);
  CHECK(authenticating(*e) == 150);

  // A real player still gets in while they last.
  auto during = login(d.config);
  CHECK_MESSAGE(during.outcome == gs::client::Outcome::joined, during.reason);

  // 500 more half-open handshakes: the cap holds at 1,000 and refusals are counted.
  const double refused_before = refused_half_open(*e);
  gs::test::flood::HeldHandshakes more(gateway, 500, /*complete=*/false);
  CHECK(more.result().cookies == 500);  // cookies are stateless: answered even at the cap
  e = gs::test::scrape_until(
      port, [&](const auto& x) { return refused_half_open(x) - refused_before >= 300; }, 5s);
  REQUIRE(e);
  CHECK(sample(*e, "gameserver_dtls_half_open", "gateway") == 1000);
  CHECK(refused_half_open(*e) - refused_before >= 300);
  MESSAGE("half-open at the cap: " << sample(*e, "gameserver_dtls_half_open", "gateway")
                                   << ", refused: " << refused_half_open(*e) - refused_before);

  // The silent connections are dropped at the authentication timeout (5 s).
  e = gs::test::scrape_until(
      port, [](const auto& x) { return authenticating(x) == 0; }, 10s);
  REQUIRE(e);
  CHECK(authenticating(*e) == 0);

  // The half-open ones at the handshake timeout (10 s after they started).
  e = gs::test::scrape_until(
      port, [](const auto& x) { return sample(x, "gameserver_dtls_half_open", "gateway") == 0; }, 15s);
  REQUIRE(e);
  CHECK(sample(*e, "gameserver_dtls_half_open", "gateway") == 0);
  CHECK(sample(*e, "gameserver_dtls_handshake_failures_total", "gateway", {{"reason", "timeout"}}) >= 1000);
  CHECK(sample(*e, "gameserver_connections", "gateway", {{"state", "connected"}}) == 0);
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MESSAGE("all held state gone after " << elapsed << " s");

  // And logins work as before.
  CHECK(login(d.config).outcome == gs::client::Outcome::joined);
}

namespace {

double refused_unauthenticated(const gs::test::Exposition& e) {
  return sample(e, "gameserver_connections_refused_total", "gateway",
                {{"reason", "source_unauthenticated_cap"}});
}

double refused_source_half_open(const gs::test::Exposition& e) {
  return sample(e, "gameserver_dtls_handshake_failures_total", "gateway",
                {{"reason", "source_half_open_cap"}});
}

double unauthenticated(const gs::test::Exposition& e) {
  return authenticating(e) + sample(e, "gameserver_connections", "gateway", {{"state", "closing"}});
}

}  // namespace

// One host on many ports must not hold every connection slot: a
// host (127.0.0.2 here) holds at most per_source.max_unauthenticated connections that
// never authenticate and per_source.max_half_open handshakes; a player from another
// host (127.0.0.1) logs in meanwhile, and the host gets its slots back at the timeouts.
TEST_CASE("one host on many ports holds at most the per-source limits; a player from another host logs in") {
  gs::test::Deployment d("per-source");
  d.config.per_source.max_half_open = 8;
  d.config.per_source.max_unauthenticated = 8;
  auto [added, add_output] =
      gs::test::run({"account", "add", "alice", "--password-stdin", "--config", d.write_config().string()},
                    "correct horse");
  REQUIRE_MESSAGE(added == 0, add_output);
  gs::test::RunningRolesWithAdmin roles(d.config, {"auth", "gateway", "world"});
  const auto port = roles.admin.port();
  REQUIRE(login(d.config).outcome == gs::client::Outcome::joined);
  sockaddr_in gateway = gs::test::flood::parse_target(d.config.gateway.listen.to_string());
  const in_addr attacker = gs::test::flood::parse_source("127.0.0.2");

  // 40 ports finish DTLS and never authenticate: 8 are kept, 32 closed at once.
  gs::test::flood::HeldHandshakes silent(gateway, 40, /*complete=*/true, 3000ms, attacker);
  CHECK(silent.result().established == 40);
  auto e = gs::test::scrape_until(
      port, [](const auto& x) { return refused_unauthenticated(x) >= 32; }, 5s);
  REQUIRE(e);
  CHECK(refused_unauthenticated(*e) == 32);
  CHECK(unauthenticated(*e) == 8);

  // 50 more ports leave their handshakes half open: 8 are kept.
  gs::test::flood::HeldHandshakes half_open(gateway, 50, /*complete=*/false, 3000ms, attacker);
  CHECK(half_open.result().cookies == 50);
  e = gs::test::scrape_until(
      port, [](const auto& x) { return refused_source_half_open(x) >= 42; }, 5s);
  REQUIRE(e);
  CHECK(refused_source_half_open(*e) == 42);
  CHECK(sample(*e, "gameserver_dtls_half_open", "gateway") == 8);
  MESSAGE("held by 127.0.0.2: " << unauthenticated(*e) << " unauthenticated, "
                                << sample(*e, "gameserver_dtls_half_open", "gateway") << " half open");

  // A player from 127.0.0.1 gets in while they are held.
  auto during = login(d.config);
  CHECK_MESSAGE(during.outcome == gs::client::Outcome::joined, during.reason);

  // At the timeouts (authentication 5 s, then the silent channel 10 s; handshake 10 s)
  // the host gets its slots back: a new connection from it is not refused.
  e = gs::test::scrape_until(
      port,
      [](const auto& x) {
        return unauthenticated(x) == 0 && sample(x, "gameserver_dtls_half_open", "gateway") == 0;
      },
      20s);
  REQUIRE(e);
  const double refused_before = refused_unauthenticated(*e);
  gs::test::flood::HeldHandshakes again(gateway, 1, /*complete=*/true, 3000ms, attacker);
  CHECK(again.result().established == 1);
  e = gs::test::scrape_until(
      port, [](const auto& x) { return authenticating(x) == 1; }, 5s);
  REQUIRE(e);
  CHECK(authenticating(*e) == 1);
  CHECK(refused_unauthenticated(*e) == refused_before);
}
