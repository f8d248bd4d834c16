// State exhaustion against the gateway role: thousands of DTLS handshakes left half
// open and connections that finish DTLS but never authenticate. The half-open cap
// (1,000) holds and counts its refusals, both kinds are dropped at their timeouts
// (handshake 10 s, session authentication 5 s), and a real login gets through while
// they last.

#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "admin/admin_server.hpp"
#include "client/client.hpp"
#include "common/log.hpp"
#include "flood.hpp"
#include "flood_support.hpp"
#include "registry.hpp"
#include "runtime/runtime.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::test::sample;

namespace {

// Roles of `config` on their own loop thread, with an admin endpoint on a free port.
struct RunningRoles {
  gs::Runtime runtime;
  gs::admin::AdminServer admin;
  std::thread thread;

  explicit RunningRoles(const gs::config::Config& config)
      : runtime(config, {"auth", "gateway", "world"},
                [this](std::string_view name, const gs::config::Config& c, gs::RoleContext& context) {
                  auto role = gs::roles::make_role(name, c, context);
                  if (role) admin.add(*role);
                  return role;
                }),
        admin(runtime.io(), gs::make_logger("admin", spdlog::level::warn, gs::LogFormat::text)) {
    admin.start({"127.0.0.1", 0});
    std::promise<void> started;
    runtime.on_started([&] { started.set_value(); });
    thread = std::thread([this] { runtime.run(false); });
    started.get_future().wait();
  }
  ~RunningRoles() {
    runtime.request_stop();
    thread.join();
    admin.stop();
  }
  RunningRoles(const RunningRoles&) = delete;
  RunningRoles& operator=(const RunningRoles&) = delete;
};

gs::client::FlowResult login(const gs::config::Config& config) {
  gs::client::ClientOptions options;
  options.gateway = config.gateway.listen;
  options.trust = config.tls.trust;
  options.timeout = 10s;
  auto deadline = std::chrono::steady_clock::now() + 10s;
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
    bool starting = result.outcome == gs::client::Outcome::login_failed &&
                    (result.reason == "unavailable" || result.reason == "no_world");
    if (!starting || std::chrono::steady_clock::now() > deadline) return result;
    std::this_thread::sleep_for(100ms);
  }
}

double refused_half_open(const gs::test::Exposition& e) {
  return sample(e, "gameserver_dtls_handshake_failures_total", "gateway", {{"reason", "half_open_cap"}});
}

double authenticating(const gs::test::Exposition& e) {
  return sample(e, "gameserver_connections", "gateway", {{"state", "authenticating"}});
}

}  // namespace

TEST_CASE("half-open handshakes and unauthenticated connections: capped, counted, dropped at their timeouts") {
  gs::test::Deployment d("hold");
  d.config.gateway.max_clients_per_address = 100000;  // every connection here comes from 127.0.0.1
  auto [added, add_output] = gs::test::run(
      {"account", "add", "alice", "--password-stdin", "--config", d.write_config().string()}, "correct horse");
  REQUIRE_MESSAGE(added == 0, add_output);
  RunningRoles roles(d.config);
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
  e = gs::test::scrape_until(port, [](const auto& x) { return authenticating(x) == 150; }, 5s);
  REQUIRE(e);
  CHECK(authenticating(*e) == 150);

  // A real player still gets in while they last.
  auto during = login(d.config);
  CHECK_MESSAGE(during.outcome == gs::client::Outcome::joined, during.reason);

  // 500 more half-open handshakes: the cap holds at 1,000 and refusals are counted.
  const double refused_before = refused_half_open(*e);
  gs::test::flood::HeldHandshakes more(gateway, 500, /*complete=*/false);
  CHECK(more.result().cookies == 500);  // cookies are stateless: answered even at the cap
  e = gs::test::scrape_until(port, [&](const auto& x) { return refused_half_open(x) - refused_before >= 300; }, 5s);
  REQUIRE(e);
  CHECK(sample(*e, "gameserver_dtls_half_open", "gateway") == 1000);
  CHECK(refused_half_open(*e) - refused_before >= 300);
  MESSAGE("half-open at the cap: " << sample(*e, "gameserver_dtls_half_open", "gateway")
                                   << ", refused: " << refused_half_open(*e) - refused_before);

  // The silent connections are dropped at the authentication timeout (5 s).
  e = gs::test::scrape_until(port, [](const auto& x) { return authenticating(x) == 0; }, 10s);
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
