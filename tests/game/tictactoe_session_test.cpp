// The tic-tac-toe module over a player's session: suspended and resumed players, the
// queue after a match, 10,000 random messages, its metrics and its one exported symbol.
#include <random>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "tictactoe_support.hpp"

namespace {

using gs::test::TicTacToe;
using Kinds = std::vector<std::uint8_t>;

void pair(TicTacToe& t) {
  t.join(1);
  t.join(2);
  t.players.sent.clear();
}

ttt_server_message only(std::vector<ttt_server_message> messages) {
  REQUIRE(messages.size() == 1);
  return messages[0];
}

ttt_server_message last_board(const std::vector<ttt_server_message>& messages) {
  REQUIRE(!messages.empty());
  REQUIRE(messages.back().kind == TTT_BOARD);
  return messages.back();
}

}  // namespace

TEST_CASE(
    "tictactoe: a suspended mover's opponent is told it is away and the clock pauses until it is back") {
  TicTacToe t("1000");
  pair(t);
  t.advance(300);
  CHECK(t.host.call_suspended(1) == 0);
  auto away = only(t.take(2));
  CHECK(away.kind == TTT_OPPONENT);
  CHECK(away.u.opponent == TTT_OPPONENT_AWAY);
  CHECK(t.take(1).empty());
  CHECK(t.host.next_due() == std::nullopt);
  t.advance(5000);
  CHECK(t.players.sent.empty());  // no forfeit while paused

  CHECK(t.host.call_resumed(1) == 0);
  CHECK(only(t.take(2)).u.opponent == TTT_OPPONENT_BACK);
  auto board = only(t.take(1));  // the board, with the time it had left
  CHECK(board.kind == TTT_BOARD);
  CHECK(board.u.board.next == TTT_X);
  CHECK(board.u.board.turn_ms_left == 700u);
  CHECK(t.host.next_due() == t.now + 700);

  // An away opponent does not stop the mover's clock...
  CHECK(t.host.call_suspended(2) == 0);
  CHECK(only(t.take(1)).u.opponent == TTT_OPPONENT_AWAY);
  CHECK(t.host.next_due() == t.now + 700);
  // ...but once it is the away player's turn, its clock waits for it.
  t.move(1, 0);
  CHECK(last_board(t.take(2)).u.board.turn_ms_left == 1000u);  // stopped, full
  t.take(1);
  CHECK(t.host.next_due() == std::nullopt);
  CHECK(t.host.call_resumed(2) == 0);
  CHECK(only(t.take(1)).u.opponent == TTT_OPPONENT_BACK);
  CHECK(t.host.next_due() == t.now + 1000);
  CHECK(t.host.callback_errors().at("player_suspended") == 0);
  CHECK(t.host.callback_errors().at("player_resumed") == 0);
}

TEST_CASE("tictactoe: a suspended waiting player is not paired until it is back") {
  TicTacToe t;
  t.join(3);
  CHECK(t.host.call_suspended(3) == 0);
  t.join(4);
  CHECK(t.kinds(4) == Kinds{TTT_WELCOME, TTT_WAITING});
  CHECK(t.gauge("players_waiting") == 2);
  CHECK(t.gauge("matches_live") == 0);
  CHECK(t.host.call_resumed(3) == 0);
  auto start = t.take(3).back();
  CHECK(t.kinds(3).empty());
  REQUIRE(start.kind == TTT_BOARD);
  CHECK(t.gauge("matches_live") == 1);
  CHECK(t.lines->has(spdlog::level::info, "game=tictactoe: match 1 started: X=3 O=4"));
}

TEST_CASE("tictactoe: after a match both go back to the queue, O first, behind those already waiting") {
  TicTacToe t;
  pair(t);
  t.join(3);
  for (auto [id, cell] : {std::pair{1, 0}, {2, 3}, {1, 1}, {2, 4}, {1, 2}}) t.move(id, cell);
  const std::uint8_t B = TTT_BOARD;
  CHECK(t.kinds(1) == Kinds{B, B, B, B, B, TTT_RESULT, TTT_WAITING});
  auto to2 = t.take(2);
  REQUIRE(to2.size() == 9);
  CHECK(to2[5].kind == TTT_RESULT);
  CHECK(to2[6].kind == TTT_WAITING);
  CHECK(to2[7].kind == TTT_MATCH_START);
  CHECK(to2[7].u.match_start.you == TTT_O);
  CHECK(to2[7].u.match_start.opponent == 3u);
  CHECK(to2[7].u.match_start.match == 2u);
  CHECK(to2[8].kind == TTT_BOARD);
  CHECK(std::vector<std::uint8_t>(to2[8].u.board.cells, to2[8].u.board.cells + 9) ==
        std::vector<std::uint8_t>(9, TTT_EMPTY));
  auto to3 = t.take(3);
  REQUIRE(to3.size() == 4);
  CHECK(to3[2].u.match_start.you == TTT_X);
  CHECK(t.gauge("matches_live") == 1);
  CHECK(t.gauge("players_waiting") == 1);
  CHECK(t.counter("matches_started") == 2);
  // The one still waiting is paired with the next to come.
  t.join(4);
  CHECK(t.kinds(1) == Kinds{TTT_MATCH_START, TTT_BOARD});
  CHECK(t.gauge("matches_live") == 2);
  CHECK(t.gauge("players_waiting") == 0);
}

TEST_CASE("tictactoe: 10,000 random messages: each is played or answered with one error, and counted") {
  TicTacToe t;
  for (std::uint32_t id = 1; id <= 5; ++id) t.join(id);
  t.players.sent.clear();
  std::mt19937 rng(20261207);
  std::map<int, int> errors;
  for (int i = 0; i < 10000; ++i) {
    std::uint32_t id = 1 + rng() % 5;
    gs_lane lane = rng() % 10 == 0 ? static_cast<gs_lane>(1 + rng() % 4) : GS_LANE_RELIABLE;
    std::string bytes(rng() % 8 == 0 ? rng() % 64 : rng() % 4, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (!bytes.empty() && rng() % 2) bytes[0] = TTT_MOVE;
    if (bytes.size() == 2 && rng() % 2) bytes[1] = static_cast<char>(rng() % 10);
    CHECK(t.send(id, bytes, lane) == 0);
    std::vector<ttt_server_message> to_sender = t.take(id);
    bool refused = to_sender.size() == 1 && to_sender[0].kind == TTT_ERROR;
    if (refused) {
      errors[to_sender[0].u.error]++;
      CHECK(t.players.sent.empty());  // nobody else hears of it
    } else {
      REQUIRE(!to_sender.empty());
      CHECK(to_sender[0].kind == TTT_BOARD);
      for (std::uint32_t other = 1; other <= 5; ++other) t.take(other);  // each must decode
    }
  }
  int invalid = 0, malformed = 0;
  for (auto [code, n] : errors) (code <= TTT_ERR_CELL_TAKEN ? invalid : malformed) += n;
  CHECK(t.counter("invalid_moves") == invalid);
  CHECK(t.counter("malformed_messages") == malformed);
  CHECK(errors.size() == TTT_ERR_LAST);  // every error was seen
  CHECK(t.counter("matches_started") > 10);
  CHECK(t.players.kicked.empty());
  CHECK(t.host.callback_errors().at("message") == 0);
  CHECK(t.gauge("matches_live") == 2);
  CHECK(t.gauge("players_waiting") == 1);
}

TEST_CASE("tictactoe: its counters and gauges are on /metrics from the start, labelled with the game") {
  TicTacToe t;
  for (const char* name :
       {"matches_started", "matches_won", "matches_drawn", "forfeits", "invalid_moves", "malformed_messages"})
    CHECK(t.counter(name) == 0);
  CHECK(t.gauge("matches_live") == 0);
  CHECK(t.gauge("players_waiting") == 0);
  CHECK(t.lines->has(spdlog::level::info, "game=tictactoe: tictactoe started: turn_timeout_ms=0"));
}

TEST_CASE("tictactoe: the module is named tictactoe and exports gs_game_module_v1 alone") {
  TicTacToe t;
  CHECK(t.host.module().name == "tictactoe");
  bool has_tick = t.host.module().table.tick != nullptr;
  CHECK_FALSE(has_tick);
  CHECK(gs::test::own_exports(gs::test::module_path("GS_TEST_MODULE_TICTACTOE")) ==
        std::set<std::string>{"gs_game_module_v1"});
}
