// Floods and spoofing against a server process: while 100 bots log in and play,
// another process sends 50,000 ClientHellos, 5,000 mutated hellos and 50,000 random
// datagrams from 1,000 source ports at the gateway and world ports. Every login must
// succeed, no cookie-less hello may create per-peer state, no source port may get
// back more bytes than it sent, and the server's resident memory must grow by less
// than 50 MB. Then: a gateway links to auth again while one host floods auth, and a
// client refused at pre-auth that keeps pinging is dropped.

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "../client/bot_support.hpp"
#include "flood_support.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;

namespace {

std::string flood_binary() {
  const char* path = std::getenv("GAMESERVER_FLOOD");
  REQUIRE_MESSAGE(path != nullptr, "GAMESERVER_FLOOD is not set: run the tests through meson test");
  return path;
}

// One role of `d` in a process of its own, its admin endpoint on `admin_port`.
std::unique_ptr<gs::test::Process> start_role(gs::test::Deployment& d, const std::string& role,
                                              std::uint16_t admin_port) {
  auto saved = d.config;
  d.config.roles = {role};
  d.config.development = false;
  d.config.log.level = spdlog::level::info;
  d.config.admin.listen = {"127.0.0.1", admin_port};
  auto path = d.write_config(role + ".yaml");
  d.config = saved;
  auto process = std::make_unique<gs::test::Process>(gs::test::gameserver_binary(),
                                                     std::vector<std::string>{"--config", path.string()});
  REQUIRE(process->wait_for(role + " listening on", 10s));
  return process;
}

// `gameserver ARGS` again until it exits 0 or `within` has passed; the last result.
std::pair<int, std::string> run_until_ok(const std::vector<std::string>& args, const std::string& input,
                                         std::chrono::seconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    auto result = gs::test::run(args, input);
    if (result.first == 0 || std::chrono::steady_clock::now() > deadline) return result;
    std::this_thread::sleep_for(200ms);
  }
}

// Sessions the gateway holds now, whatever their state.
double gateway_sessions(const gs::test::Exposition& e) {
  double n = 0;
  for (const char* state : {"authenticating", "connected", "closing"})
    n += gs::test::sample(e, "gameserver_connections", "gateway", {{"state", state}});
  return n;
}

double cookies_accepted(const gs::test::Exposition& e) {
  return gs::test::sample(e, "gameserver_dtls_cookies_accepted_total", "gateway") +
         gs::test::sample(e, "gameserver_dtls_cookies_accepted_total", "world");
}

// AddressSanitizer keeps freed memory in a quarantine (256 MB by default): keep it
// small so that the resident memory check measures the server, not the quarantine.
void keep_asan_quarantine_small() {
#if defined(__SANITIZE_ADDRESS__)
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::string options = asan ? std::string(asan) + ":" : std::string();
  setenv("ASAN_OPTIONS", (options + "quarantine_size_mb=4").c_str(), 1);
#endif
}

// Every one of the 100 bots logged in and joined.
void check_every_login(int bot_status, const std::string& bot_output) {
  CAPTURE(bot_output.substr(bot_output.size() > 3000 ? bot_output.size() - 3000 : 0));
  auto bots = gs::test::last_json_line(bot_output);
  REQUIRE(bots.is_object());
  CHECK(bots["logins_ok"] == 100);
  CHECK(bots["joined"] == 100);
  CHECK(bots["failures"] == nlohmann::json::object());
  CHECK(bot_status == 0);
}

// No source port got back more bytes than it sent.
void check_no_amplification(const std::optional<std::string>& flood_line) {
  REQUIRE(flood_line);
  auto spray = nlohmann::json::parse(*flood_line, nullptr, false);
  REQUIRE_MESSAGE(spray.is_object(), *flood_line);
  MESSAGE("spray: " << spray.dump());
  CHECK(spray["datagrams_sent"].get<int>() == 105000);
  CHECK(spray["sources_answered"].get<int>() > 0);  // the server did answer hellos
  CHECK(spray["sources_amplified"] == 0);
  CHECK(spray["worst_ratio"].get<double>() <= 1.0);
  CHECK(spray["largest_reply"].get<int>() < spray["hello_bytes"].get<int>());
}

// The hellos were answered statelessly: the only sessions are the bots'.
void check_hellos_left_no_state(const gs::test::Exposition& before,
                                const std::optional<gs::test::Exposition>& after) {
  REQUIRE(after);
  const double challenges = gs::test::sample(*after, "gameserver_dtls_cookie_challenges_total", "gateway") +
                            gs::test::sample(*after, "gameserver_dtls_cookie_challenges_total", "world") -
                            gs::test::sample(before, "gameserver_dtls_cookie_challenges_total", "gateway") -
                            gs::test::sample(before, "gameserver_dtls_cookie_challenges_total", "world");
  const double sessions = cookies_accepted(*after) - cookies_accepted(before);
  MESSAGE("cookie challenges: " << challenges << ", sessions created: " << sessions);
  CHECK(challenges >= 5000);  // most were answered (the kernel may drop some)
  CHECK(sessions >= 200);     // each bot: one gateway and one world connection
  CHECK(sessions <= 300);     // and a few retries, never one per flooded hello
  CHECK(gs::test::sample(*after, "gameserver_dtls_half_open", "gateway") == 0);
  CHECK(gs::test::sample(*after, "gameserver_dtls_half_open", "world") == 0);
}

}  // namespace

TEST_CASE("100 logins succeed during a flood of hellos and random datagrams; no amplification, no state") {
  gs::test::Deployment d("flood");
  d.config.world.capacity = 200;
  d.config.gateway.max_clients_per_address = 100000;  // bots and flood all come from 127.0.0.1
  const auto admin_port = gs::test::free_tcp_port();
  d.config.admin.listen = {"127.0.0.1", admin_port};
  d.config.log.level = spdlog::level::info;
  auto config = d.write_config().string();
  const std::string password = "flood password";
  auto [added, add_output] = gs::test::run(
      {"account", "add", "flood", "--count", "100", "--password-stdin", "--config", config}, password);
  REQUIRE_MESSAGE(added == 0, add_output);

  keep_asan_quarantine_small();
  gs::test::Process server(gs::test::gameserver_binary(), {"--config", config});
  REQUIRE(server.wait_for("started 3 role(s)", 10s));
  gs::test::wait_until_logins_work(config, "flood100", password);

  auto before = gs::test::scrape(admin_port);
  REQUIRE(before);
  const auto rss_before = gs::test::resident_bytes(server.pid());
  REQUIRE(rss_before > 0);

  const auto gateway = d.config.gateway.listen.to_string();
  const auto world = d.config.world.listen.to_string();
  gs::test::Process flood(
      flood_binary(), {"spray", "--target", gateway, "--target", world, "--hellos", "50000", "--mutants",
                       "5000", "--randoms", "50000", "--sockets", "1000", "--rate", "15000", "--seed", "8"});
  std::this_thread::sleep_for(500ms);  // the flood is under way before the first login
  auto [bot_status, bot_output] =
      gs::test::run({"bot", "--config", config, "--user-prefix", "flood", "--count", "100",
                     "--password-stdin", "--duration", "10", "--json"},
                    password, 120s);
  auto flood_line = flood.read_line(60s);
  CHECK(flood.wait(10s) == 0);
  auto after = gs::test::scrape_until(
      admin_port,
      [](const gs::test::Exposition& e) {
        return gs::test::sample(e, "gameserver_dtls_half_open", "gateway") == 0 &&
               gs::test::sample(e, "gameserver_dtls_half_open", "world") == 0;
      },
      15s);
  const auto rss_after = gs::test::resident_bytes(server.pid());

  check_every_login(bot_status, bot_output);
  check_no_amplification(flood_line);
  check_hellos_left_no_state(*before, after);

  const double growth_mb = (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / 1e6;
  MESSAGE("server RSS: " << rss_before / 1000000.0 << " MB before, " << rss_after / 1000000.0 << " MB after ("
                         << growth_mb << " MB)");
  CHECK(growth_mb < 50);

  server.signal(SIGTERM);
  CHECK(server.wait(10s) == 0);
}

// A global half-open cap alone let one host on 1,000 ports hold every handshake slot of
// auth's listener, so a gateway could not link again. Each host holds at most
// per_source.max_half_open of them.
TEST_CASE(
    "while one host floods auth from 1,000 ports, a restarted gateway links again and a player logs in") {
  gs::test::Deployment d("flood-link");
  const std::string password = "link flood password";
  d.config.per_source.max_half_open = 8;
  d.config.per_source.max_unauthenticated = 8;
  auto config = d.write_config().string();
  auto [added, add_output] =
      gs::test::run({"account", "add", "alice", "--password-stdin", "--config", config}, password);
  REQUIRE_MESSAGE(added == 0, add_output);
  const auto auth_admin = gs::test::free_tcp_port();
  auto auth = start_role(d, "auth", auth_admin);
  auto world = start_role(d, "world", gs::test::free_tcp_port());
  auto gateway = start_role(d, "gateway", gs::test::free_tcp_port());
  gs::test::wait_until_logins_work(config, "alice", password);

  // The flood, from 127.0.0.2: 1,000 ports leave handshakes half open (a fresh 1,000
  // every 2 s, so slots the handshake timeout frees are taken again), 1,000 more spray
  // hellos, mutated hellos and random bytes.
  const auto target = d.config.auth.listen.to_string();
  gs::test::Process hold(flood_binary(), {"hold", "--target", target, "--count", "1000", "--seconds", "30",
                                          "--refill", "2000", "--source", "127.0.0.2"});
  gs::test::Process spray(flood_binary(),
                          {"spray", "--target", target, "--hellos", "40000", "--mutants", "2000", "--randoms",
                           "10000", "--sockets", "1000", "--rate", "3000", "--source", "127.0.0.2"});
  auto held = hold.read_line(30s);
  REQUIRE(held);
  MESSAGE("hold: " << *held);
  auto e = gs::test::scrape_until(
      auth_admin,
      [](const auto& x) {
        return gs::test::sample(x, "gameserver_dtls_handshake_failures_total", "auth",
                                {{"reason", "source_half_open_cap"}}) >= 900;
      },
      10s);
  REQUIRE(e);
  CHECK(gs::test::sample(*e, "gameserver_dtls_half_open", "auth") <= 8);
  MESSAGE("auth: half-open " << gs::test::sample(*e, "gameserver_dtls_half_open", "auth")
                             << ", refused per source "
                             << gs::test::sample(*e, "gameserver_dtls_handshake_failures_total", "auth",
                                                 {{"reason", "source_half_open_cap"}}));

  // The gateway starts again: its link to auth must come up during the flood.
  gateway->signal(SIGTERM);
  CHECK(gateway->wait(10s) == 0);
  gateway = start_role(d, "gateway", gs::test::free_tcp_port());
  auto [status, output] = run_until_ok(
      {"client", "--config", config, "--user", "alice", "--password-stdin", "--json"}, password, 15s);
  CHECK_MESSAGE(status == 0, output);
  auto during = gs::test::scrape(auth_admin);
  REQUIRE(during);
  CHECK(gs::test::sample(*during, "gameserver_dtls_half_open", "auth") <= 8);
  CHECK(hold.wait(60s) == 0);
  CHECK(spray.wait(60s) == 0);
}

// A client that finished the handshake, was refused at pre-authentication and then keeps
// pinging without ever acknowledging is dropped by the server within 10 s: its flushing
// close has a deadline (docs/PROTOCOL.md, closing).
TEST_CASE("a client refused at pre-auth that keeps pinging and never ACKs is dropped within 10 s") {
  gs::test::Deployment d("pinger");
  const auto admin_port = gs::test::free_tcp_port();
  d.config.admin.listen = {"127.0.0.1", admin_port};
  d.config.log.level = spdlog::level::info;
  auto config = d.write_config().string();
  gs::test::Process server(gs::test::gameserver_binary(), {"--config", config});
  REQUIRE(server.wait_for("started 3 role(s)", 10s));
  auto before = gs::test::scrape(admin_port);
  REQUIRE(before);
  // Clients the gateway refused at pre-auth (their hello).
  auto hello_refusals = [](const gs::test::Exposition& e) {
    return gs::test::sample(e, "gameserver_gateway_clients_refused_total", "gateway", {{"reason", "hello"}});
  };
  const double refused_before = hello_refusals(*before);

  gs::test::Process pinger(flood_binary(),
                           {"ping", "--target", d.config.gateway.listen.to_string(), "--seconds", "14"});
  auto refused = gs::test::scrape_until(
      admin_port, [&](const auto& x) { return hello_refusals(x) > refused_before; }, 10s);
  REQUIRE(refused);
  CHECK(hello_refusals(*refused) == refused_before + 1);
  const auto refused_at = std::chrono::steady_clock::now();
  auto gone = gs::test::scrape_until(
      admin_port, [](const auto& x) { return gateway_sessions(x) == 0; }, 12s);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - refused_at).count();
  REQUIRE(gone);
  MESSAGE("sessions left " << gateway_sessions(*gone) << " after " << seconds << " s");
  CHECK(gateway_sessions(*gone) == 0);
  CHECK(seconds <= 10.5);

  auto line = pinger.read_line(30s);
  REQUIRE(line);
  MESSAGE("pinger: " << *line);
  auto r = nlohmann::json::parse(*line, nullptr, false);
  REQUIRE(r.is_object());
  CHECK(r["established"] == true);
  CHECK(r["refused"] == true);
  CHECK(r["closed"] == true);
  CHECK(r["closed_after_s"].get<double>() >= 0);
  CHECK(r["closed_after_s"].get<double>() <= 10.5);
  CHECK(r["pings"].get<int>() > 100);
  CHECK(pinger.wait(10s) == 0);
  server.signal(SIGTERM);
  CHECK(server.wait(10s) == 0);
}
