// The auth failover example (etc/failover/): two auth servers sharing accounts and the
// token key, a gateway listing both, a world reporting to both, as four processes.
// auth-1 is killed (no goodbye, like a crash): logins go on through auth-2 within the
// gateway's channel timeout; auth-1 returns and gets the logins again. The example
// files are used as they are, copied with their ports swapped for free ones.

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <thread>

#include "admin/http_get.hpp"
#include "client/client.hpp"
#include "exposition.hpp"
#include "support/example_copy.hpp"
#include "support/login.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::test::ExampleCopy;
using gs::test::key;
using gs::test::Process;
using gs::test::stop;

namespace {

const std::string password = "correct horse battery";

std::optional<gs::test::Exposition> scrape(std::uint16_t port) { return gs::test::scrape(port, 2s); }

double sample(const gs::test::Exposition& e, const std::string& series) {
  auto it = e.samples.find(series);
  return it == e.samples.end() ? -1 : it->second;
}

// Polls `admin_port` until `series` reads `expected`.
bool wait_metric(std::uint16_t admin_port, const std::string& series, double expected,
                 std::chrono::milliseconds within = 15s) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto e = scrape(admin_port); e && sample(*e, series) == expected) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

gs::client::FlowResult login(const ExampleCopy& example, const std::string& user) {
  gs::client::ClientOptions options;
  options.gateway = {"127.0.0.1", example.port(7011)};
  options.trust = example.dir / "data/failover/keys/dtls.crt";
  options.timeout = 8s;
  return gs::test::login_once(options, user, password);
}

std::string server_key(const char* name, const std::string& auth) {
  return key(name, {{"auth", auth}, {"role", "gateway"}});
}

}  // namespace

TEST_CASE(
    "failover example: logins go on through auth-2 when auth-1 dies, and back to auth-1 when it returns") {
  ExampleCopy example("failover");
  const auto auth1 = example.address(7111), auth2 = example.address(7112);
  const auto gateway_admin = example.port(9113);
  const auto ok_logins = key("gameserver_logins_total", {{"result", "ok"}, {"role", "auth"}});
  const auto worlds_live = key("gameserver_auth_worlds_live", {{"role", "auth"}});

  auto first = example.start("auth-1", "auth");
  auto [status, output] = gs::test::run(
      {"account", "add", "player", "--count", "4", "--password-stdin", "--config", example.config("auth-1")},
      password + "\n");
  REQUIRE_MESSAGE(status == 0, output);
  auto second = example.start("auth-2", "auth");
  auto gateway = example.start("gateway", "gateway");
  auto world = example.start("world", "world");

  // Both auth servers know the world; the gateway is linked to both and prefers auth-1.
  REQUIRE(wait_metric(example.port(9111), worlds_live, 1));
  REQUIRE(wait_metric(example.port(9112), worlds_live, 1));
  REQUIRE(wait_metric(gateway_admin, server_key("gameserver_auth_server_up", auth2), 1));
  REQUIRE(wait_metric(gateway_admin, server_key("gameserver_auth_server_preferred", auth1), 1));

  auto r = login(example, "player1");
  REQUIRE_MESSAGE(r.outcome == gs::client::Outcome::joined, r.reason);
  CHECK(sample(*scrape(example.port(9111)), ok_logins) == 1);
  CHECK(sample(*scrape(example.port(9112)), ok_logins) == 0);

  // auth-1 dies without a word. Logins waiting on it fail `unavailable` once the
  // gateway's link times out (channel.timeout 3s in the example); then auth-2 answers.
  first->signal(SIGKILL);
  first->wait(5s);
  first.reset();
  auto killed = std::chrono::steady_clock::now();
  std::vector<std::string> failures;
  gs::client::FlowResult through_second;
  while (std::chrono::steady_clock::now() - killed < 12s) {
    through_second = login(example, "player2");
    if (through_second.outcome == gs::client::Outcome::joined) break;
    failures.push_back(through_second.reason);
    std::this_thread::sleep_for(100ms);
  }
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  INFO("failures before auth-2 answered: " << failures.size() << ", " << took << " s");
  REQUIRE(through_second.outcome == gs::client::Outcome::joined);
  CHECK(took < 6.0);
  for (const auto& reason : failures) CHECK(reason == "unavailable");

  auto metrics = scrape(gateway_admin);
  REQUIRE(metrics);
  CHECK(sample(*metrics, server_key("gameserver_auth_server_up", auth1)) == 0);
  CHECK(sample(*metrics, server_key("gameserver_auth_server_preferred", auth2)) == 1);
  CHECK(sample(*metrics, key("gameserver_auth_link_up", {{"role", "gateway"}})) == 1);
  CHECK(sample(*metrics, key("gameserver_auth_failovers_total", {{"role", "gateway"}})) >= 1);
  CHECK(gs::admin::http_get("127.0.0.1", gateway_admin, "/healthz", 2s)->status == 200);
  CHECK(sample(*scrape(example.port(9112)), ok_logins) >= 1);

  // auth-1 returns: the gateway relinks within about a second and prefers it again;
  // the world reports to it at once, so it can place the player.
  first = example.start("auth-1", "auth");
  REQUIRE(wait_metric(gateway_admin, server_key("gameserver_auth_server_preferred", auth1), 1, 10s));
  REQUIRE(wait_metric(example.port(9111), worlds_live, 1, 5s));
  r = login(example, "player3");
  REQUIRE_MESSAGE(r.outcome == gs::client::Outcome::joined, r.reason);
  CHECK(sample(*scrape(example.port(9111)), ok_logins) == 1);

  stop(world);
  stop(gateway);
  stop(second);
  stop(first);
}
