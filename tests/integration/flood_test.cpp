// Floods and spoofing against a server process: while 100 bots log in and play,
// another process sends 50,000 ClientHellos, 5,000 mutated hellos and 50,000 random
// datagrams from 1,000 source ports at the gateway and world ports. Every login must
// succeed, no cookie-less hello may create per-peer state, no source port may get
// back more bytes than it sent, and the server's resident memory must grow by less
// than 50 MB.

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

double cookies_accepted(const gs::test::Exposition& e) {
  return gs::test::sample(e, "gameserver_dtls_cookies_accepted_total", "gateway") +
         gs::test::sample(e, "gameserver_dtls_cookies_accepted_total", "world");
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
  auto [added, add_output] =
      gs::test::run({"account", "add", "flood", "--count", "100", "--password-stdin", "--config", config}, password);
  REQUIRE_MESSAGE(added == 0, add_output);

#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in a quarantine (256 MB by default): keep it
  // small so that the resident memory check measures the server, not the quarantine.
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::string options = asan ? std::string(asan) + ":" : std::string();
  setenv("ASAN_OPTIONS", (options + "quarantine_size_mb=4").c_str(), 1);
#endif
  gs::test::Process server(gs::test::gameserver_binary(), {"--config", config});
  REQUIRE(server.wait_for("started 3 role(s)", 10s));
  gs::test::wait_until_logins_work(config, "flood100", password);

  auto before = gs::test::scrape(admin_port);
  REQUIRE(before);
  const auto rss_before = gs::test::resident_bytes(server.pid());
  REQUIRE(rss_before > 0);

  const auto gateway = d.config.gateway.listen.to_string();
  const auto world = d.config.world.listen.to_string();
  gs::test::Process flood(flood_binary(), {"spray", "--target", gateway, "--target", world, "--hellos", "50000",
                                           "--mutants", "5000", "--randoms", "50000", "--sockets", "1000", "--rate",
                                           "15000", "--seed", "8"});
  std::this_thread::sleep_for(500ms);  // the flood is under way before the first login
  auto [bot_status, bot_output] = gs::test::run({"bot", "--config", config, "--user-prefix", "flood", "--count", "100",
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

  // Every login got through.
  CAPTURE(bot_output.substr(bot_output.size() > 3000 ? bot_output.size() - 3000 : 0));
  auto bots = gs::test::last_json_line(bot_output);
  REQUIRE(bots.is_object());
  CHECK(bots["logins_ok"] == 100);
  CHECK(bots["joined"] == 100);
  CHECK(bots["failures"] == nlohmann::json::object());
  CHECK(bot_status == 0);

  // No source port got back more bytes than it sent.
  REQUIRE(flood_line);
  auto spray = nlohmann::json::parse(*flood_line, nullptr, false);
  REQUIRE_MESSAGE(spray.is_object(), *flood_line);
  MESSAGE("spray: " << spray.dump());
  CHECK(spray["datagrams_sent"].get<int>() == 105000);
  CHECK(spray["sources_answered"].get<int>() > 0);  // the server did answer hellos
  CHECK(spray["sources_amplified"] == 0);
  CHECK(spray["worst_ratio"].get<double>() <= 1.0);
  CHECK(spray["largest_reply"].get<int>() < spray["hello_bytes"].get<int>());

  // The hellos were answered statelessly: the only sessions are the bots'.
  REQUIRE(after);
  const double challenges = gs::test::sample(*after, "gameserver_dtls_cookie_challenges_total", "gateway") +
                            gs::test::sample(*after, "gameserver_dtls_cookie_challenges_total", "world") -
                            gs::test::sample(*before, "gameserver_dtls_cookie_challenges_total", "gateway") -
                            gs::test::sample(*before, "gameserver_dtls_cookie_challenges_total", "world");
  const double sessions = cookies_accepted(*after) - cookies_accepted(*before);
  MESSAGE("cookie challenges: " << challenges << ", sessions created: " << sessions);
  CHECK(challenges >= 5000);  // most were answered (the kernel may drop some)
  CHECK(sessions >= 200);   // each bot: one gateway and one world connection
  CHECK(sessions <= 300);   // and a few retries, never one per flooded hello
  CHECK(gs::test::sample(*after, "gameserver_dtls_half_open", "gateway") == 0);
  CHECK(gs::test::sample(*after, "gameserver_dtls_half_open", "world") == 0);

  const double growth_mb = (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / 1e6;
  MESSAGE("server RSS: " << rss_before / 1000000.0 << " MB before, " << rss_after / 1000000.0 << " MB after ("
                         << growth_mb << " MB)");
  CHECK(growth_mb < 50);

  server.signal(SIGTERM);
  CHECK(server.wait(10s) == 0);
}
