// One seat per account with two auth servers on one PostgreSQL and two worlds, as
// processes of the binary: the failover example (etc/failover) plus a second world and
// a second gateway that prefers the other auth server. A login through one auth server
// for world-2 evicts the seat the other auth server gave in world-1.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <optional>
#include <thread>

#include "client/client.hpp"
#include "support/deployment.hpp"
#include "support/example_copy.hpp"
#include "support/process.hpp"
#include "tests/crypto/temp_dir.hpp"
#include "tests/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;
using gs::test::ExampleCopy;
using gs::test::Process;
using gs::test::ThrowawayPostgres;

namespace {

const std::string password = "correct horse battery";

// Replaces the one occurrence of `from` in `text`; fails the test if there is none.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "not in the example: " << from);
  return text.replace(at, from.size(), to);
}

// The failover example's auth servers on PostgreSQL, each knowing world-2 and gateway-2.
void use_postgres(const ExampleCopy& example, const std::string& conninfo, const std::string& password_file) {
  for (const char* auth : {"auth-1", "auth-2"}) {
    auto text = gs::test::read_text(example.config(auth));
    text = replaced(text, "  database: ../../data/failover/accounts.db\n",
                    "  account_store: postgres\n  postgres:\n    conninfo: \"" + conninfo +
                        "\"\n    password_file: " + password_file + "\n");
    const std::string world_peer =
        "    - {role: world, id: world-1, secret: ../../data/failover/keys/world-auth.secret}\n";
    text =
        replaced(text, world_peer,
                 world_peer +
                     "    - {role: world, id: world-2, secret: ../../data/failover/keys/world-auth.secret}\n"
                     "    - {role: gateway, id: gateway-2, secret: "
                     "../../data/failover/keys/gateway-auth.secret}\n");
    gs::test::write_text(example.config(auth), text);
  }
}

// A copy of the example's `file` as `copy`, with `edits` applied, each listen and admin
// port replaced by a free one.
void derive(const ExampleCopy& example, const std::string& file, const std::string& copy,
            std::vector<std::pair<std::string, std::string>> edits) {
  auto text = gs::test::read_text(example.config(file));
  for (const auto& [from, to] : edits) text = replaced(text, from, to);
  gs::test::write_text(example.config(copy), text);
}

// A player who logs in and joins, then stays until the test ends.
struct Player {
  asio::io_context& io;
  std::unique_ptr<gs::client::Client> client;
  std::optional<gs::client::FlowResult> result;
  std::string dropped;

  Player(asio::io_context& io, std::uint16_t gateway, const std::string& trust) : io(io) {
    gs::client::ClientOptions options;
    options.gateway = {"127.0.0.1", gateway};
    options.trust = trust;
    options.timeout = 5s;
    client = std::make_unique<gs::client::Client>(io, options);
    gs::client::ClientEvents events;
    events.disconnected = [this](std::string_view reason) { dropped = reason; };
    client->set_events(std::move(events));
  }
  // Retries while the links between the roles are still coming up.
  std::string join(const std::string& user, const std::string& world) {
    auto deadline = std::chrono::steady_clock::now() + 15s;
    do {
      result.reset();
      client->login_and_join(
          user, password, [this](const gs::client::FlowResult& r) { result = r; }, world);
      run_until([&] { return result.has_value(); }, 10s);
      if (result && result->outcome == gs::client::Outcome::joined) return result->world_id;
      std::this_thread::sleep_for(200ms);
    } while (std::chrono::steady_clock::now() < deadline);
    FAIL("no join: " << (result ? result->reason : std::string("no answer")));
    return {};
  }
  template <class Done>
  bool run_until(Done done, std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(20ms);
    }
    return done();
  }
};

}  // namespace

TEST_CASE("postgres: two auth servers and two worlds keep one seat per account" *
          doctest::skip(gs::test::ThrowawayPostgres::missing())) {
  auto& server = ThrowawayPostgres::shared();
  ExampleCopy example("failover");
  const auto password_file = (example.dir / "pg.password").string();
  gs::test::write_text(password_file, server.password() + "\n");
  ::chmod(password_file.c_str(), 0600);
  use_postgres(example, server.conninfo(server.create_database()), password_file);

  const auto world_2 = gs::test::free_udp_port(), gateway_2 = gs::test::free_udp_port();
  const std::string world_1_address = example.address(7211);
  derive(example, "world", "world-2",
         {{"id: world-1", "id: world-2"},
          {"listen: " + world_1_address, "listen: 127.0.0.1:" + std::to_string(world_2)},
          {"public_address: " + world_1_address, "public_address: 127.0.0.1:" + std::to_string(world_2)},
          {"listen: " + example.address(9114),
           "listen: 127.0.0.1:" + std::to_string(gs::test::free_tcp_port())}});
  const std::string auths = "[" + example.address(7111) + ", " + example.address(7112) + "]";
  derive(example, "gateway", "gateway-2",
         {{"id: gateway-1", "id: gateway-2"},
          {"listen: " + example.address(7011), "listen: 127.0.0.1:" + std::to_string(gateway_2)},
          {"auth: " + auths, "auth: [" + example.address(7112) + ", " + example.address(7111) + "]"},
          {"listen: " + example.address(9113),
           "listen: 127.0.0.1:" + std::to_string(gs::test::free_tcp_port())}});

  auto auth_1 = example.start("auth-1", "auth");
  auto auth_2 = example.start("auth-2", "auth");
  auto [status, output] = gs::test::run(
      {"account", "add", "alice", "--password-stdin", "--config", example.config("auth-1")}, password + "\n");
  REQUIRE_MESSAGE(status == 0, output);
  auto world_1 = example.start("world", "world");
  auto world_2_process = example.start("world-2", "world");
  auto gateway_1 = example.start("gateway", "gateway");
  auto gateway_2_process = example.start("gateway-2", "gateway");
  const auto trust = (example.dir / "data/failover/keys/dtls.crt").string();

  asio::io_context io;
  // Through gateway-1, which prefers auth-1.
  Player first(io, example.port(7011), trust);
  CHECK(first.join("alice", "world-1") == "world-1");
  // Through gateway-2, which prefers auth-2: auth-2 knows the seat from world-1's report.
  Player second(io, gateway_2, trust);
  CHECK(second.join("alice", "world-2") == "world-2");
  CHECK(first.run_until([&] { return !first.dropped.empty(); }, 5s));
  CHECK(first.dropped == "replaced");
  second.run_until([] { return false; }, 300ms);
  CHECK(second.dropped.empty());

  first.client->close();
  second.client->close();
  for (auto* p : {&gateway_2_process, &gateway_1, &world_2_process, &world_1, &auth_2, &auth_1})
    gs::test::stop(*p);
}
