// Clients the gateway closes on its own: at the login timeout, and over the per-address
// limit. Closing one connection while the gateway walks its clients used to free the
// entry under the walk (a remote crash with three silent clients), and a client refused
// over the per-address limit stayed registered after it was freed.

#include <doctest/doctest.h>

#include <csignal>
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

double gateway_metric(const gs::test::Exposition& e, const std::string& name,
                      std::map<std::string, std::string> labels = {}) {
  return sample(e, name, "gateway", std::move(labels));
}

}  // namespace

TEST_CASE("the real binary survives silent clients reaching the login timeout and keeps logging players in") {
  gs::test::Deployment d("silent");
  d.config.gateway.login_timeout = 2s;
  const auto admin_port = gs::test::free_tcp_port();
  d.config.admin.listen = {"127.0.0.1", admin_port};
  d.config.log.level = spdlog::level::info;
  auto config = d.write_config().string();
  auto [added, add_output] =
      gs::test::run({"account", "add", "alice", "--password-stdin", "--config", config}, "correct horse");
  REQUIRE_MESSAGE(added == 0, add_output);
  gs::test::Process server(gs::test::gameserver_binary(), {"--config", config});
  REQUIRE(server.wait_for("started 3 role(s)", 10s));

  // Three connections that finish DTLS and never say a word, as `openssl s_client` does.
  sockaddr_in gateway = gs::test::flood::parse_target(d.config.gateway.listen.to_string());
  gs::test::flood::HeldHandshakes silent(gateway, 3, /*complete=*/true);
  REQUIRE(silent.result().established == 3);
  auto e = gs::test::scrape_until(
      admin_port,
      [](const auto& x) { return gateway_metric(x, "gameserver_gateway_login_timeouts_total") >= 3; }, 10s);
  REQUIRE(e);
  CHECK(gateway_metric(*e, "gameserver_gateway_login_timeouts_total") == 3);
  e = gs::test::scrape_until(
      admin_port, [](const auto& x) { return gateway_metric(x, "gameserver_gateway_clients") == 0; }, 10s);
  REQUIRE(e);
  CHECK(gateway_metric(*e, "gameserver_gateway_clients") == 0);

  // Still serving: a player logs in, then the process stops cleanly on SIGTERM.
  auto options = gs::test::client_options(d.config);
  options.timeout = 10s;
  auto login = gs::test::login_when_ready(options, "alice", "correct horse", 10s);
  CHECK_MESSAGE(login.outcome == gs::client::Outcome::joined, login.reason);
  server.signal(SIGTERM);
  CHECK_MESSAGE(server.wait(20s) == 0, server.output());
}

TEST_CASE(
    "a client refused over the per-address limit never becomes a gateway client and leaves nothing behind") {
  gs::test::Deployment d("refused");
  d.config.gateway.login_timeout = 2s;
  d.config.gateway.max_clients_per_address = 2;
  gs::test::RunningRolesWithAdmin roles(d.config, {"auth", "gateway", "world"});
  const auto port = roles.admin.port();
  sockaddr_in gateway = gs::test::flood::parse_target(d.config.gateway.listen.to_string());

  gs::test::flood::HeldHandshakes held(gateway, 5, /*complete=*/true);
  REQUIRE(held.result().established == 5);
  auto e = gs::test::scrape_until(
      port,
      [](const auto& x) {
        return gateway_metric(x, "gameserver_gateway_clients_refused_total", {{"reason", "per_address"}}) ==
               3;
      },
      5s);
  REQUIRE(e);
  CHECK(gateway_metric(*e, "gameserver_gateway_clients_refused_total", {{"reason", "per_address"}}) == 3);
  CHECK(gateway_metric(*e, "gameserver_gateway_clients") == 2);

  // The two admitted reach the login timeout; the refused ones were never timed.
  e = gs::test::scrape_until(
      port, [](const auto& x) { return gateway_metric(x, "gameserver_gateway_login_timeouts_total") >= 2; },
      10s);
  REQUIRE(e);
  e = gs::test::scrape_until(
      port, [](const auto& x) { return gateway_metric(x, "gameserver_gateway_clients") == 0; }, 10s);
  REQUIRE(e);
  CHECK(gateway_metric(*e, "gameserver_gateway_login_timeouts_total") == 2);
  CHECK(gateway_metric(*e, "gameserver_gateway_clients") == 0);
}
