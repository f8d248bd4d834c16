// The admin endpoint: the metrics text is valid Prometheus exposition, its counters
// move with a real login, and /healthz follows the auth link.

#include <doctest/doctest.h>

#include <thread>

#include "admin/http_get.hpp"
#include "admin/metrics.hpp"
#include "client/client.hpp"
#include "common/end.hpp"
#include "exposition.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;
using gs::test::add_account;
using gs::test::key;
using gs::test::RunningRolesWithAdmin;

namespace {

struct Reply {
  int status = 0;
  std::string body;
};

Reply get(std::uint16_t port, const std::string& path) {
  auto reply = gs::admin::http_get("127.0.0.1", port, path);
  if (!reply) return {};
  return {reply->status, reply->body};
}

gs::test::Exposition scrape(std::uint16_t port) {
  auto reply = get(port, "/metrics");
  REQUIRE(reply.status == 200);
  auto parsed = gs::test::parse_exposition(reply.body);
  INFO(reply.body);
  REQUIRE_MESSAGE(parsed.exposition, parsed.error);
  return *parsed.exposition;
}

double value(const gs::test::Exposition& e, const std::string& series) {
  auto it = e.samples.find(series);
  INFO("series " << series);
  REQUIRE(it != e.samples.end());
  return it->second;
}

// Polls /healthz until it answers `status`; the last reply.
Reply health_until(std::uint16_t port, int status, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  Reply reply;
  do {
    reply = get(port, "/healthz");
    if (reply.status == status) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return reply;
}

gs::client::FlowResult login(const gs::config::Config& config, const std::string& user,
                             const std::string& password) {
  return gs::test::login_once(gs::test::client_options(config), user, password);
}

}  // namespace

TEST_CASE("the metrics writer groups families and escapes what the format requires") {
  gs::admin::MetricsWriter out;
  out.set_common_labels({{"role", "gateway"}});
  out.counter("x_total", "an x\\ with\nnewline", 3, {{"why", "a \"quoted\"\\ \nvalue"}});
  out.gauge("y", "a y", 0.25);
  out.set_common_labels({{"role", "world"}});
  out.counter("x_total", "an x", 4);
  auto text = out.text();
  CHECK(text ==
        "# HELP x_total an x\\\\ with\\nnewline\n# TYPE x_total counter\n"
        "x_total{role=\"gateway\",why=\"a \\\"quoted\\\"\\\\ \\nvalue\"} 3\nx_total{role=\"world\"} 4\n"
        "# HELP y a y\n# TYPE y gauge\ny{role=\"gateway\"} 0.25\n");
  auto parsed = gs::test::parse_exposition(text);
  REQUIRE_MESSAGE(parsed.exposition, parsed.error);
  CHECK(value(*parsed.exposition, key("x_total", {{"role", "gateway"}, {"why", "a \"quoted\"\\ \nvalue"}})) ==
        3);

  CHECK_THROWS(out.counter("no_suffix", "h", 1));
  CHECK_THROWS(out.gauge("y_total", "h", 1));
  CHECK_THROWS(out.gauge("bad-name", "h", 1));
  CHECK_THROWS(out.gauge("y", "h", 1, {{"0bad", "v"}}));
}

TEST_CASE("the strict exposition reader refuses what Prometheus would") {
  auto bad = [](const std::string& text) { return !gs::test::parse_exposition(text).exposition; };
  CHECK_FALSE(bad("# HELP a_total h\n# TYPE a_total counter\na_total 1\n"));
  CHECK(bad("# TYPE a_total counter\na_total 1"));                           // no final newline
  CHECK(bad("a 1\n"));                                                       // no TYPE
  CHECK(bad("# TYPE a counter\na 1\n"));                                     // counter without _total
  CHECK(bad("# TYPE a gauge\na{l=\"x} 1\n"));                                // unterminated label
  CHECK(bad("# TYPE a gauge\na{1l=\"x\"} 1\n"));                             // label name
  CHECK(bad("# TYPE a gauge\na one\n"));                                     // value
  CHECK(bad("# TYPE a gauge\na 1\na 2\n"));                                  // repeated series
  CHECK(bad("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n"));  // split family
  CHECK_FALSE(bad("# TYPE a gauge\na{x=\"1\",y=\"\\n\"} +Inf\na{x=\"2\"} 1.5e-3 1700000000000\n"));
}

TEST_CASE("metrics move with a real login and parse as Prometheus text") {
  gs::test::Deployment d("admin-metrics");
  add_account(d.config, "alice", "correct horse");
  RunningRolesWithAdmin roles(d.config, {"auth", "gateway", "world"});
  auto port = roles.admin.port();
  REQUIRE(port != 0);

  auto ready = health_until(port, 200, 10s);
  CHECK(ready.status == 200);
  CHECK(ready.body == "ok\n");

  auto before = scrape(port);
  CHECK(before.types.at("gameserver_logins_total") == "counter");
  CHECK(before.types.at("gameserver_world_players") == "gauge");
  for (const auto* role : {"auth", "gateway", "world"})
    CHECK(value(before, key("gameserver_ready", {{"role", role}})) == 1);
  CHECK(value(before, key("gameserver_auth_link_up", {{"role", "gateway"}})) == 1);
  CHECK(value(before, key("gameserver_auth_link_up", {{"role", "world"}})) == 1);
  CHECK(value(before, key("gameserver_auth_links", {{"role", "auth"}, {"peer_role", "world"}})) == 1);
  CHECK(value(before, key("gameserver_connections", {{"role", "auth"}, {"state", "connected"}})) == 2);
  auto logins_ok = key("gameserver_logins_total", {{"role", "auth"}, {"result", "ok"}});
  auto bad = key("gameserver_logins_total", {{"role", "auth"}, {"result", "bad_credentials"}});
  auto gateway_ok = key("gameserver_gateway_logins_total", {{"role", "gateway"}, {"result", "ok"}});
  auto joins = key("gameserver_world_joins_total", {{"role", "world"}});
  auto world_packets =
      key("gameserver_channel_packets_total", {{"role", "world"}, {"direction", "received"}});
  auto handshakes = key("gameserver_dtls_handshakes_total", {{"role", "gateway"}});

  auto result = login(d.config, "alice", "correct horse");
  REQUIRE(result.outcome == gs::client::Outcome::joined);
  CHECK(login(d.config, "alice", "wrong horse").reason == "bad_credentials");

  std::this_thread::sleep_for(100ms);  // a few world ticks (30 per second)
  auto after = scrape(port);
  CHECK(value(after, logins_ok) == value(before, logins_ok) + 1);
  CHECK(value(after, bad) == value(before, bad) + 1);
  CHECK(value(after, gateway_ok) == value(before, gateway_ok) + 1);
  CHECK(value(after, key("gameserver_tokens_issued_total", {{"role", "auth"}})) == value(after, logins_ok));
  CHECK(value(after, key("gameserver_tokens_accepted_total", {{"role", "world"}})) >= 1);
  CHECK(value(after, joins) == value(before, joins) + 1);
  // The client's world connection has closed: its packets stay counted.
  CHECK(value(after, world_packets) > value(before, world_packets));
  CHECK(value(after, handshakes) >= value(before, handshakes) + 2);
  // The client closed its world connection: the world counts it under the reason its log
  // names (a peer's CLOSE), and every reason has a series from the start.
  auto world_closed = [](const auto& scrape_result, std::string_view reason) {
    return value(scrape_result, key("gameserver_connections_closed_total",
                                    {{"role", "world"}, {"reason", std::string(reason)}}));
  };
  CHECK(before.types.at("gameserver_connections_closed_total") == "counter");
  CHECK(before.types.at("gameserver_dtls_handshake_repairs_total") == "counter");
  CHECK(before.types.at("gameserver_dtls_resends_deferred_total") == "counter");
  for (const char* kind : {"final_flight_resent", "stale_hello_dropped"})
    CHECK(value(before,
                key("gameserver_dtls_handshake_repairs_total", {{"role", "world"}, {"kind", kind}})) >= 0);
  for (gs::EndCode code : gs::kEndCodes)
    if (code != gs::EndCode::none) CHECK(world_closed(before, to_string(code)) >= 0);  // the series exists
  CHECK(world_closed(before, "kicked") == 0);
  CHECK(world_closed(after, "remote") == world_closed(before, "remote") + 1);
  CHECK(value(after, key("gameserver_world_ticks_total", {{"role", "world"}})) >
        value(before, key("gameserver_world_ticks_total", {{"role", "world"}})));
  CHECK(value(after, key("gameserver_world_tick_seconds", {{"role", "world"}, {"stat", "max"}})) > 0);
  CHECK(value(after, key("gameserver_worker_queue_depth", {{"role", "auth"}})) >= 0);
  CHECK(value(after, key("gameserver_channel_rtt_seconds", {{"role", "auth"}, {"stat", "mean"}})) > 0);
  // One loop for the process: its busy polling is reported once, without a role.
  CHECK(after.types.at("gameserver_event_loop_idle_total") == "counter");
  CHECK(value(after, "gameserver_event_loop_idle_total") > value(before, "gameserver_event_loop_idle_total"));
  CHECK(value(after, "gameserver_event_loop_busy_poll_seconds_total") > 0);
  CHECK(value(after, "gameserver_event_loop_busy_poll_hits_total") >= 0);
  CHECK(value(after, "gameserver_event_loop_busy_poll_window_seconds") <= 50e-6);

  CHECK(get(port, "/nothing").status == 404);
}

TEST_CASE("health is 503 while the auth link is down and 200 once it is up") {
  gs::test::Deployment d("admin-health");
  d.config.channel.timeout = 2s;
  d.config.channel.link_timeout = 2s;
  RunningRolesWithAdmin gateway(d.config, {"gateway"});
  auto port = gateway.admin.port();

  auto down = get(port, "/healthz");
  CHECK(down.status == 503);
  CHECK(down.body.find("auth link") != std::string::npos);
  auto metrics = scrape(port);
  CHECK(value(metrics, key("gameserver_auth_link_up", {{"role", "gateway"}})) == 0);
  CHECK(value(metrics, key("gameserver_ready", {{"role", "gateway"}})) == 0);

  {
    RunningRolesWithAdmin auth(d.config, {"auth"});
    CHECK(health_until(port, 200, 5s).status == 200);
    CHECK(value(scrape(port), key("gameserver_auth_link_up", {{"role", "gateway"}})) == 1);
    CHECK(health_until(auth.admin.port(), 200, 1s).status == 200);
  }
  // Auth is gone: the gateway notices within the channel timeout.
  auto again = health_until(port, 503, 5s);
  CHECK(again.status == 503);
  CHECK(again.body.find("auth link") != std::string::npos);
}
