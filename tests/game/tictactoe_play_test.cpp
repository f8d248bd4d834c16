// Tic-tac-toe played to the end by two real clients: gateway, auth and world in this
// process on loopback, the world running games/tictactoe as its game module, each player
// a gs::client::Client that logs in, joins, and plays its moves from the BOARD it is sent.
#include <doctest/doctest.h>

#include <array>
#include <cstdlib>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "gameserver/game.h"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"
#include "tictactoe_protocol.h"

using namespace std::chrono_literals;

namespace {

// One player: plays the first cell of its list that is free whenever it is its turn.
struct Player {
  std::unique_ptr<gs::client::Client> client;
  std::vector<std::uint8_t> plan;
  std::uint8_t mark = 0;
  std::vector<std::uint8_t> kinds;  // of every message the game sent, in order
  std::optional<ttt_server_message> result;
  std::array<std::uint8_t, 9> board{};

  void on_message(std::uint8_t lane, std::span<const std::byte> data) {
    REQUIRE(lane == GS_LANE_RELIABLE);
    ttt_server_message m{};
    REQUIRE(ttt_decode_server(data.data(), data.size(), &m) == 0);
    kinds.push_back(m.kind);
    // After its result the game requeues both players and pairs them again at once
    // (marks swapped): this test looks at the first match only.
    if (result) return;
    if (m.kind == TTT_MATCH_START) mark = m.u.match_start.you;
    if (m.kind == TTT_RESULT) result = m;
    if (m.kind != TTT_BOARD) return;
    std::copy(std::begin(m.u.board.cells), std::end(m.u.board.cells), board.begin());
    if (m.u.board.next != mark) return;
    for (std::uint8_t cell : plan) {
      if (board[cell] != TTT_EMPTY) continue;
      std::uint8_t move[TTT_MOVE_SIZE];
      ttt_encode_move(move, cell);
      CHECK(client->send(GS_LANE_RELIABLE, std::as_bytes(std::span(move))));
      return;
    }
  }
};

}  // namespace

TEST_CASE("two real clients play tic-tac-toe through the world's game module to a win") {
  const char* module = std::getenv("GS_TEST_MODULE_TICTACTOE");
  REQUIRE(module);
  gs::test::Deployment d("tictactoe");
  d.config.world.game.module = module;
  gs::test::add_account(d.config, "alice", "correct horse");
  gs::test::add_account(d.config, "bob", "battery staple");
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});

  asio::io_context io;
  std::array<Player, 2> players;
  // X (whoever joined first) takes the top row; O plays the middle row and is too slow.
  const std::vector<std::uint8_t> x_plan{0, 1, 2}, o_plan{3, 4, 5};
  const char* users[] = {"alice", "bob"};
  const char* passwords[] = {"correct horse", "battery staple"};
  auto make_client = [&](int i) {
    players[i].client = std::make_unique<gs::client::Client>(io, gs::test::client_options(d.config));
    gs::client::ClientEvents events;
    events.message = [&, i](std::uint8_t lane, std::span<const std::byte> data) {
      players[i].on_message(lane, data);
      if (players[0].result && players[1].result) io.stop();
    };
    players[i].client->set_events(std::move(events));
  };
  // Alice first, so that she is queued first and plays X. Until the gateway's link to auth
  // is up a login is answered `unavailable`: try again a little later, as a player would.
  players[0].plan = x_plan;
  players[1].plan = o_plan;
  asio::steady_timer retry(io);
  std::function<void(int, std::function<void()>)> join = [&](int i, std::function<void()> then) {
    players[i].client->login_and_join(users[i], passwords[i], [&, i, then](const gs::client::FlowResult& r) {
      if (r.outcome == gs::client::Outcome::login_failed && r.reason == "unavailable") {
        retry.expires_after(100ms);
        return retry.async_wait([&, i, then](const asio::error_code&) {
          make_client(i);  // a fresh client: outside the old one's callback
          join(i, then);
        });
      }
      REQUIRE_MESSAGE(r.outcome == gs::client::Outcome::joined, r.reason);
      then();
    });
  };
  make_client(0);
  make_client(1);
  join(0, [&] { join(1, [] {}); });
  asio::steady_timer limit(io);
  limit.expires_after(30s);
  limit.async_wait([&](const asio::error_code& ec) {
    if (!ec) io.stop();
  });
  io.run();

  REQUIRE(players[0].result);
  REQUIRE(players[1].result);
  CHECK(players[0].mark == TTT_X);
  CHECK(players[1].mark == TTT_O);
  CHECK(players[0].result->u.result.outcome == TTT_WIN);
  CHECK(players[0].result->u.result.reason == TTT_REASON_LINE);
  CHECK(players[1].result->u.result.outcome == TTT_LOSE);
  CHECK(players[0].board == std::array<std::uint8_t, 9>{TTT_X, TTT_X, TTT_X, TTT_O, TTT_O, 0, 0, 0, 0});
  // The game's own order: welcome, queue, the match, boards, the result.
  REQUIRE(players[1].kinds.size() >= 4);
  CHECK(players[1].kinds[0] == TTT_WELCOME);
  CHECK(players[1].kinds[1] == TTT_WAITING);
  CHECK(players[1].kinds[2] == TTT_MATCH_START);
  for (auto& p : players) p.client->close();
}
