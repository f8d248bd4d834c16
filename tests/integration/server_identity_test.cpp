// Server identity with a CA as trust: the gateway, the world and auth must present a
// certificate naming the address they are dialed by (or the configured server name);
// another certificate from the same CA is refused by players' clients and role links.

#include <doctest/doctest.h>

#include <thread>

#include "client/client.hpp"
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

TEST_CASE("with a CA as trust, certificates naming the dialed DNS name or IP address are accepted") {
  gs::test::Deployment d("identity-ok");
  d.use_test_ca({"gameserver", {"localhost"}, 30, {"127.0.0.1"}});
  add_account(d.config, "alice", "correct horse");
  RunningRoles roles(d.config, {"auth", "gateway", "world"});

  // Links dial auth at 127.0.0.1, the client the gateway and world at 127.0.0.1: IP SAN.
  auto by_address = login_when_ready(client_options(d.config), "alice", "correct horse");
  CHECK_MESSAGE(by_address.outcome == Outcome::joined, by_address.reason);

  // The gateway checked by its DNS name instead.
  auto options = client_options(d.config);
  options.server_name = "localhost";
  auto by_name = login_once(options, "alice", "correct horse");
  CHECK_MESSAGE(by_name.outcome == Outcome::joined, by_name.reason);
}

TEST_CASE("a certificate from the trusted CA with another name is refused by clients and role links") {
  gs::test::Deployment d("identity-wrong");
  d.use_test_ca({"auth", {"auth.example"}, 30, {}});
  add_account(d.config, "alice", "correct horse");

  SUBCASE("a client dialing 127.0.0.1 refuses the gateway") {
    RunningRoles roles(d.config, {"gateway"});
    auto result = login_once(client_options(d.config), "alice", "correct horse");
    CHECK(result.outcome == Outcome::certificate);
    CHECK(result.reason == "server certificate does not name 127.0.0.1");
  }
  SUBCASE("the gateway's and the world's links refuse auth") {
    RunningRoles roles(d.config, {"auth", "gateway", "world"});
    auto options = client_options(d.config);
    options.server_name = "auth.example";  // lets the client past the gateway's certificate
    std::this_thread::sleep_for(2s);       // time for links that would come up, to be refused
    auto result = login_once(options, "alice", "correct horse");
    CHECK(result.outcome == Outcome::login_failed);
    CHECK(result.reason == "unavailable");
  }
  SUBCASE("tls.server_name names auth for the links; the world handed out is still checked") {
    d.config.tls.server_name = "auth.example";
    RunningRoles roles(d.config, {"auth", "gateway", "world"});
    auto options = client_options(d.config);
    options.server_name = "auth.example";
    auto result = login_when_ready(options, "alice", "correct horse");
    // Logged in (the links are up), then the world at 127.0.0.1 is refused.
    CHECK(result.outcome == Outcome::certificate);
    CHECK(result.world_id == "world-1");
    CHECK(result.reason == "server certificate does not name 127.0.0.1");
  }
}
