// Resuming a session through the real stack: gateway, auth and world in this process,
// every datagram impaired (2% loss, 20 ms each way), and alice behind a NAT (the test's
// NatRelay) whose mapping changes mid-game, so the world suddenly sees her datagrams
// from a new source port and her replies go nowhere. She must notice, reconnect with
// her resume ticket, keep her player id and receive every chat line bob sends, once and
// in order, across the break.

#include <doctest/doctest.h>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "lossy_support.hpp"
#include "nat_relay.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Alice {
  std::vector<int> lines;  // bob's chat lines, in arrival order
  std::uint32_t reconnects = 0;
  std::uint32_t resumes = 0;
  std::string disconnected;
  Clock::time_point resumed_at{};
  std::uint32_t player_id = 0;
};

struct Bob {
  std::uint32_t alice_back_from = 0;  // the player id alice's "back" line came from
  int sent = 0;
};

// Alice counts bob's lines and her resumes, and says "back" when resumed; bob notes which
// player id that line came from.
void wire_events(Alice& alice, Bob& bob, gs::client::Client& alice_client, gs::client::Client& bob_client) {
  gs::client::ClientEvents a;
  a.chat = [&](const gs::protocol::ChatEvent& e) {
    if (e.text != "back") alice.lines.push_back(std::stoi(e.text));
  };
  a.reconnecting = [&](std::uint32_t) { ++alice.reconnects; };
  a.resumed = [&](double) {
    ++alice.resumes;
    alice.resumed_at = Clock::now();
    alice_client.send_chat("back");
  };
  a.disconnected = [&](std::string_view why) { alice.disconnected = std::string(why); };
  alice_client.set_events(std::move(a));
  gs::client::ClientEvents b;
  b.chat = [&](const gs::protocol::ChatEvent& e) {
    if (e.text == "back") bob.alice_back_from = e.player_id;
  };
  bob_client.set_events(std::move(b));
}

// Alice resumed once, soon enough, as the same player, and lost no line.
void check_resumed(const Alice& alice, const Bob& bob, Clock::time_point rebound, double client_ms,
                   int lines) {
  MESSAGE("alice received " << alice.lines.size() << " of " << bob.sent << " lines sent; " << alice.reconnects
                            << " reconnect attempts; disconnected: '" << alice.disconnected << "'");
  CHECK(alice.disconnected.empty());
  CHECK(alice.resumes == 1);
  CHECK(alice.reconnects >= 1);
  REQUIRE(alice.resumed_at != Clock::time_point{});
  const double resume_s = std::chrono::duration<double>(alice.resumed_at - rebound).count();
  MESSAGE("resumed " << resume_s << " s after the NAT changed the source port; client's own count "
                     << client_ms << " ms from noticing the break");
  CHECK(resume_s < 2.0);
  // The same player: her line after the resume reached bob from her original id.
  CHECK(bob.alice_back_from == alice.player_id);
  // Every line, once, in order: the ones lost with the old path came with the resume.
  std::vector<int> expected(static_cast<std::size_t>(lines));
  for (int i = 0; i < lines; ++i) expected[static_cast<std::size_t>(i)] = i;
  CHECK(alice.lines == expected);
}

}  // namespace

TEST_CASE(
    "a player whose NAT changes its source port mid-game resumes, keeps its id and every reliable message") {
  gs::test::Deployment d("resume");
  gs::test::allow_lossy_load(d.config, 2);
  gs::test::add_account(d.config, "alice", "correct horse");
  gs::test::add_account(d.config, "bob", "battery staple");
  asio::io_context io;
  gs::test::NatRelay nat(
      io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), d.config.world.listen.port));
  d.config.world.public_address = {"127.0.0.1", nat.port()};  // players reach the world through the NAT
  gs::impair::Settings network;
  network.loss = 0.02;
  network.latency = 20ms;
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"}, network, 7);

  auto options = gs::test::client_options(d.config);
  options.impairment = network;
  options.timeout = 20s;
  gs::client::Client alice_client(io, options);
  options.impairment_seed = 2;
  gs::client::Client bob_client(io, options);
  Alice alice;
  Bob bob;
  constexpr int kLines = 400;  // one every 10 ms: the break falls in the middle
  constexpr int kRebindAt = 100;
  Clock::time_point rebound{};

  wire_events(alice, bob, alice_client, bob_client);

  asio::steady_timer tick(io);
  std::function<void()> send_lines = [&] {
    if (bob.sent < kLines && bob_client.send_chat(std::to_string(bob.sent))) ++bob.sent;
    if (bob.sent == kRebindAt && rebound == Clock::time_point{}) {
      const auto before = nat.back_port(0);
      nat.rebind(0);  // alice's mapping: she joined first
      MESSAGE("alice's source port at the world: " << before << " -> " << nat.back_port(0) << "; "
                                                   << alice.lines.size() << " lines received");
      rebound = Clock::now();
    }
    const bool done = alice.lines.size() >= kLines && bob.alice_back_from != 0;
    if (done || !alice.disconnected.empty()) return io.stop();
    tick.expires_after(10ms);
    tick.async_wait([&](const asio::error_code& ec) {
      if (!ec) send_lines();
    });
  };
  // Alice joins first and bob only then, so that the NAT's first mapping is surely hers
  // (two logins at once reach the world in either order). The first ResumeTicket follows
  // the Welcome: give it a moment before the lines start.
  alice_client.login_and_join("alice", "correct horse", [&](const gs::client::FlowResult& r) {
    REQUIRE_MESSAGE(r.outcome == gs::client::Outcome::joined, r.reason);
    alice.player_id = r.player_id;
    REQUIRE(nat.mappings() == 1);
    bob_client.login_and_join("bob", "battery staple", [&](const gs::client::FlowResult& r2) {
      REQUIRE_MESSAGE(r2.outcome == gs::client::Outcome::joined, r2.reason);
      tick.expires_after(500ms);
      tick.async_wait([&](const asio::error_code&) { send_lines(); });
    });
  });
  asio::steady_timer limit(io);
  limit.expires_after(60s);
  limit.async_wait([&](const asio::error_code& ec) {
    if (!ec) io.stop();
  });
  io.run();

  CHECK(nat.mappings() >= 3);  // alice, bob, and alice again from her new socket
  REQUIRE(rebound != Clock::time_point{});
  check_resumed(alice, bob, rebound, alice_client.resume_stats().max_ms, kLines);
  alice_client.close();
  bob_client.close();
}
