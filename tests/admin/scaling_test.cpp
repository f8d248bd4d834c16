// The scaling example (etc/scaling/): one auth, two gateways and three worlds as six
// processes. Players spread across the worlds by load; a stopped world leaves the
// selection and a restarted one rejoins it. The example files are used as they are,
// copied to a temporary folder with their ports swapped for free ones.

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <thread>

#include "client/client.hpp"
#include "exposition.hpp"
#include "support/example_copy.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::test::ExampleCopy;
using gs::test::Process;
using gs::test::stop;

namespace {

const std::string password = "correct horse battery";

// Waits until auth counts `worlds` live worlds and both gateways linked.
bool auth_sees(std::uint16_t admin_port, double worlds) {
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto e = gs::test::scrape(admin_port, 2s)) {
      auto live = e->samples.find(gs::test::key("gameserver_auth_worlds_live", {{"role", "auth"}}));
      auto gateways = e->samples.find(
          gs::test::key("gameserver_auth_links", {{"peer_role", "gateway"}, {"role", "auth"}}));
      if (live != e->samples.end() && live->second == worlds && gateways != e->samples.end() &&
          gateways->second == 2)
        return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// Players who stay in their world until the test ends.
struct Players {
  asio::io_context io;
  std::vector<std::unique_ptr<gs::client::Client>> clients;

  // Why each player's world connection ended, by join order; empty while it is up.
  std::vector<std::shared_ptr<std::string>> dropped;

  // Logs in and joins through gateway `gateway_port`, asking for `world` if not empty;
  // the world it was sent to.
  std::string join(const std::string& user, std::uint16_t gateway_port, const std::string& trust,
                   const std::string& world = "") {
    gs::client::ClientOptions options;
    options.gateway = {"127.0.0.1", gateway_port};
    options.trust = trust;
    options.timeout = 5s;
    auto client = std::make_unique<gs::client::Client>(io, options);
    auto why = dropped.emplace_back(std::make_shared<std::string>());
    gs::client::ClientEvents events;
    events.disconnected = [why](std::string_view reason) { *why = reason; };
    client->set_events(std::move(events));
    auto result = std::make_shared<std::optional<gs::client::FlowResult>>();
    client->login_and_join(
        user, password, [result](const gs::client::FlowResult& r) { *result = r; }, world);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!*result && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(20ms);
    }
    clients.push_back(std::move(client));
    REQUIRE(*result);
    const auto& r = **result;
    INFO(user << ": " << gs::client::to_string(r.outcome) << " " << r.reason);
    REQUIRE(r.outcome == gs::client::Outcome::joined);
    return r.world_id;
  }
  // Runs until player `index` (join order) has been dropped, up to `within`.
  bool dropped_within(std::size_t index, std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (dropped.at(index)->empty() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(20ms);
    }
    return !dropped.at(index)->empty();
  }
  // Keeps connections alive for a while (keepalives, world reports).
  void idle(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }
  ~Players() {
    for (auto& c : clients) c->close();
    io.restart();
    io.run_for(200ms);
  }
};

}  // namespace

TEST_CASE(
    "scaling example: players spread across three worlds; a stopped world leaves and rejoins the selection") {
  ExampleCopy example("scaling");
  auto trust = (example.dir / "data/scaling/keys/dtls.crt").string();
  auto auth = example.start("auth", "auth");
  auto [status, output] = gs::test::run(
      {"account", "add", "player", "--count", "12", "--password-stdin", "--config", example.config("auth")},
      password + "\n");
  REQUIRE_MESSAGE(status == 0, output);
  std::unique_ptr<Process> gateways[2] = {example.start("gateway-1", "gateway"),
                                          example.start("gateway-2", "gateway")};
  std::unique_ptr<Process> worlds[3] = {example.start("world-1", "world"), example.start("world-2", "world"),
                                        example.start("world-3", "world")};
  const auto auth_admin = example.port(9101);
  REQUIRE(auth_sees(auth_admin, 3));

  Players players;
  std::map<std::string, int> placed;
  int next = 1;
  auto join = [&](int count) {
    std::map<std::string, int> now;
    for (int i = 0; i < count; ++i, ++next) {
      auto gateway = example.port(next % 2 ? 7001 : 7002);
      auto world = players.join("player" + std::to_string(next), gateway, trust);
      ++now[world];
      ++placed[world];
    }
    return now;
  };

  // Six players over two gateways: every world gets some, none more than half.
  // (Two each, unless a load report lands between a pick and the player's arrival.)
  auto first = join(6);
  CHECK(first.size() == 3);
  for (const auto& [world, count] : first) CHECK_MESSAGE(count <= 3, world);

  // world-2 stops: nobody is sent there.
  stop(worlds[1]);
  REQUIRE(auth_sees(auth_admin, 2));
  auto second = join(2);
  CHECK(second.count("world-2") == 0);
  CHECK(second["world-1"] + second["world-3"] == 2);

  // world-2 returns, empty: it is the least loaded, so the next players go there.
  worlds[1] = example.start("world-2", "world");
  REQUIRE(auth_sees(auth_admin, 3));
  players.idle(600ms);  // a load report from every world
  auto third = join(2);
  CHECK(third["world-2"] == 2);

  for (auto& world : worlds) stop(world);
  for (auto& gateway : gateways) stop(gateway);
  stop(auth);
}

TEST_CASE(
    "scaling example: one seat per account; a login for another world moves it, one for none returns to it") {
  ExampleCopy example("scaling");
  auto trust = (example.dir / "data/scaling/keys/dtls.crt").string();
  auto auth = example.start("auth", "auth");
  auto [status, output] = gs::test::run(
      {"account", "add", "player", "--count", "1", "--password-stdin", "--config", example.config("auth")},
      password + "\n");
  REQUIRE_MESSAGE(status == 0, output);
  std::unique_ptr<Process> gateways[2] = {example.start("gateway-1", "gateway"),
                                          example.start("gateway-2", "gateway")};
  std::unique_ptr<Process> worlds[2] = {example.start("world-1", "world"), example.start("world-2", "world")};
  const auto auth_admin = example.port(9101);
  REQUIRE(auth_sees(auth_admin, 2));

  Players players;
  CHECK(players.join("player1", example.port(7001), trust, "world-1") == "world-1");
  // The same account through the other gateway, for the other world: world-1 is told to
  // give the seat up and kicks the first session.
  CHECK(players.join("player1", example.port(7002), trust, "world-2") == "world-2");
  REQUIRE(players.dropped_within(0, 5s));
  CHECK(*players.dropped[0] == "replaced");
  CHECK(players.dropped[1]->empty());

  // Asking for no world, the account goes back to its seat in world-2, which replaces
  // its own older session.
  players.idle(300ms);  // world-2's seat report reaches auth
  CHECK(players.join("player1", example.port(7001), trust) == "world-2");
  REQUIRE(players.dropped_within(1, 5s));
  CHECK(*players.dropped[1] == "replaced");
  CHECK(players.dropped[2]->empty());

  auto metrics = gs::test::scrape(auth_admin, 2s);
  REQUIRE(metrics);
  CHECK(metrics->samples.at(gs::test::key("gameserver_auth_unseats_total", {{"role", "auth"}})) == 1);
  CHECK(metrics->samples.at(gs::test::key("gameserver_auth_seats", {{"role", "auth"}})) == 1);

  for (auto& world : worlds) stop(world);
  for (auto& gateway : gateways) stop(gateway);
  stop(auth);
}
