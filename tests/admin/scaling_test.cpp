// The scaling example (etc/scaling/): one auth, two gateways and three worlds as six
// processes. Players spread across the worlds by load; a stopped world leaves the
// selection and a restarted one rejoins it. The example files are used as they are,
// copied to a temporary folder with their ports swapped for free ones.

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <asio/ip/tcp.hpp>

#include "admin/http_get.hpp"
#include "client/client.hpp"
#include "exposition.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using gs::test::Process;

namespace {

const std::string password = "correct horse battery";

std::uint16_t free_tcp_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// etc/scaling copied to DIR/etc/scaling (so its ../../data paths land in DIR/data),
// every port replaced by a free one.
struct Example {
  fs::path dir;
  std::map<std::string, std::uint16_t> ports;  // example port -> port used here

  Example() {
    dir = fs::temp_directory_path() / ("gameserver-scaling-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "etc/scaling");
    std::regex port(R"(127\.0\.0\.1:(\d+))");
    for (const auto& entry : fs::directory_iterator(fs::path(gs::test::source_root()) / "etc/scaling")) {
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      std::string s = text.str(), out;
      auto last = s.cbegin();
      for (std::sregex_iterator it(s.begin(), s.end(), port), end; it != end; ++it) {
        auto original = (*it)[1].str();
        auto& mapped = ports[original];
        if (mapped == 0) mapped = original.starts_with("91") ? free_tcp_port() : gs::test::free_udp_port();
        out.append(last, (*it)[0].first);
        out += "127.0.0.1:" + std::to_string(mapped);
        last = (*it)[0].second;
      }
      out.append(last, s.cend());
      std::ofstream(dir / "etc/scaling" / entry.path().filename()) << out;
    }
  }
  ~Example() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string config(const std::string& name) const { return (dir / "etc/scaling" / (name + ".yaml")).string(); }
  std::uint16_t port(int example) const { return ports.at(std::to_string(example)); }
};

std::unique_ptr<Process> start(const Example& example, const std::string& name, const std::string& role) {
  auto process = std::make_unique<Process>(gs::test::gameserver_binary(),
                                            std::vector<std::string>{"--config", example.config(name)});
  REQUIRE_MESSAGE(process->wait_for(role + " listening on", 15s), process->output());
  return process;
}

void stop(std::unique_ptr<Process>& process) {
  process->signal(SIGTERM);
  CHECK(process->wait(10s) == 0);
  process.reset();
}

std::optional<gs::test::Exposition> scrape(std::uint16_t port) {
  auto res = gs::admin::http_get("127.0.0.1", port, "/metrics", 2s);
  if (!res || res->status != 200) return std::nullopt;
  return gs::test::parse_exposition(res->body).exposition;
}

// Waits until auth counts `worlds` live worlds and both gateways linked.
bool auth_sees(std::uint16_t admin_port, double worlds) {
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto e = scrape(admin_port)) {
      auto live = e->samples.find(gs::test::key("gameserver_auth_worlds_live", {{"role", "auth"}}));
      auto gateways = e->samples.find(gs::test::key("gameserver_auth_links", {{"peer_role", "gateway"}, {"role", "auth"}}));
      if (live != e->samples.end() && live->second == worlds && gateways != e->samples.end() && gateways->second == 2)
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

  // Logs in and joins through gateway `gateway_port`; the world it was sent to.
  std::string join(const std::string& user, std::uint16_t gateway_port, const std::string& trust) {
    gs::client::ClientOptions options;
    options.gateway = {"127.0.0.1", gateway_port};
    options.trust = trust;
    options.timeout = 5s;
    auto client = std::make_unique<gs::client::Client>(io, options);
    auto result = std::make_shared<std::optional<gs::client::FlowResult>>();
    client->login_and_join(user, password, [result](const gs::client::FlowResult& r) { *result = r; });
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

TEST_CASE("scaling example: players spread across three worlds; a stopped world leaves and rejoins the selection") {
  Example example;
  auto trust = (example.dir / "data/scaling/keys/dtls.crt").string();
  auto auth = start(example, "auth", "auth");
  auto [status, output] = gs::test::run({"account", "add", "player", "--count", "12", "--password-stdin", "--config",
                                         example.config("auth")},
                                        password + "\n");
  REQUIRE_MESSAGE(status == 0, output);
  std::unique_ptr<Process> gateways[2] = {start(example, "gateway-1", "gateway"), start(example, "gateway-2", "gateway")};
  std::unique_ptr<Process> worlds[3] = {start(example, "world-1", "world"), start(example, "world-2", "world"),
                                        start(example, "world-3", "world")};
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
  worlds[1] = start(example, "world-2", "world");
  REQUIRE(auth_sees(auth_admin, 3));
  players.idle(600ms);  // a load report from every world
  auto third = join(2);
  CHECK(third["world-2"] == 2);

  for (auto& world : worlds) stop(world);
  for (auto& gateway : gateways) stop(gateway);
  stop(auth);
}
