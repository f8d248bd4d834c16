// The tic-tac-toe module (games/tictactoe) through LoadedModule and GameHost: pairing,
// whole games, the rule checks and their errors, forfeits, the turn clock on a manual
// clock, suspend/resume, the queue after a match, its metrics and log lines.
#include <doctest/doctest.h>

#include "tictactoe_support.hpp"

namespace {

using gs::test::cells;
using gs::test::TicTacToe;
using Level = spdlog::level::level_enum;
using Kinds = std::vector<std::uint8_t>;
using Cells = std::vector<std::uint8_t>;

// Players 1 (X) and 2 (O) in match 1; the record emptied.
void pair(TicTacToe& t) {
  t.join(1);
  t.join(2);
  t.players.sent.clear();
}

// The last message of `kind` in `messages`.
ttt_server_message last(const std::vector<ttt_server_message>& messages, std::uint8_t kind) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (it->kind == kind) return *it;
  FAIL("no message of kind " << int(kind));
  return {};
}

void check_result(const ttt_server_message& m, std::uint8_t outcome, std::uint8_t reason) {
  REQUIRE(m.kind == TTT_RESULT);
  CHECK(int(m.u.result.outcome) == outcome);
  CHECK(int(m.u.result.reason) == reason);
}

}  // namespace

TEST_CASE("tictactoe: a joining player is welcomed and waits; the second one makes a match, first is X") {
  TicTacToe t;
  t.join(1);
  auto to1 = t.take(1);
  REQUIRE(to1.size() == 2);
  CHECK(to1[0].kind == TTT_WELCOME);
  CHECK(to1[0].u.welcome.version == TTT_PROTOCOL_VERSION);
  CHECK(to1[0].u.welcome.player == 1u);
  CHECK(to1[0].u.welcome.turn_timeout_ms == 0u);
  CHECK(to1[1].kind == TTT_WAITING);
  CHECK(t.gauge("players_waiting") == 1);
  CHECK(t.gauge("matches_live") == 0);

  t.join(2);
  to1 = t.take(1);
  auto to2 = t.take(2);
  CHECK(t.kinds(1).empty());
  REQUIRE(to1.size() == 2);
  CHECK(to1[0].kind == TTT_MATCH_START);
  CHECK(to1[0].u.match_start.you == TTT_X);
  CHECK(to1[0].u.match_start.opponent == 2u);
  CHECK(to1[0].u.match_start.match == 1u);
  CHECK(to1[1].kind == TTT_BOARD);
  CHECK(cells(to1[1]) == Cells(9, TTT_EMPTY));
  CHECK(to1[1].u.board.next == TTT_X);
  CHECK(to1[1].u.board.turn_ms_left == 0u);
  REQUIRE(to2.size() == 4);  // WELCOME, WAITING, MATCH_START, BOARD
  CHECK(to2[2].u.match_start.you == TTT_O);
  CHECK(to2[2].u.match_start.opponent == 1u);
  CHECK(to2[3].kind == TTT_BOARD);
  CHECK(t.lines->has(Level::info, "game=tictactoe: match 1 started: X=1 O=2"));
  CHECK(t.gauge("players_waiting") == 0);
  CHECK(t.gauge("matches_live") == 1);
  CHECK(t.counter("matches_started") == 1);

  t.join(3);
  CHECK(t.kinds(3) == Kinds{TTT_WELCOME, TTT_WAITING});
  CHECK(t.gauge("players_waiting") == 1);
}

TEST_CASE("tictactoe: a whole game to three in a row: both see every board, then the result") {
  TicTacToe t;
  pair(t);
  t.move(1, 0);
  t.move(2, 3);
  t.move(1, 1);
  t.move(2, 4);
  auto to2 = t.take(2);
  REQUIRE(to2.size() == 4);
  CHECK(cells(to2[3]) == Cells{1, 1, 0, 2, 2, 0, 0, 0, 0});
  CHECK(to2[3].u.board.next == TTT_X);
  t.take(1);
  t.move(1, 2);
  for (std::uint32_t id : {1u, 2u}) {
    auto got = t.take(id);
    REQUIRE(got.size() >= 2);
    CHECK(got[0].kind == TTT_BOARD);
    CHECK(cells(got[0]) == Cells{1, 1, 1, 2, 2, 0, 0, 0, 0});
    CHECK(got[0].u.board.next == TTT_EMPTY);
    check_result(got[1], id == 1 ? TTT_WIN : TTT_LOSE, TTT_REASON_LINE);
  }
  CHECK(t.lines->has(Level::info, "game=tictactoe: match 1 ended: 1 (X) beat 2 (three in a row)"));
  CHECK(t.counter("matches_won") == 1);
  CHECK(t.counter("invalid_moves") == 0);
  CHECK(t.host.callback_errors().at("message") == 0);
}

TEST_CASE("tictactoe: a full board without a line is a draw for both") {
  TicTacToe t;
  pair(t);
  // X O X / X O O / O X X
  const std::uint8_t moves[] = {0, 1, 2, 4, 3, 5, 7, 6, 8};
  for (int i = 0; i < 9; ++i) t.move(i % 2 == 0 ? 1 : 2, moves[i]);
  for (std::uint32_t id : {1u, 2u}) {
    auto got = t.take(id);
    ttt_server_message board{};
    for (const auto& m : got)
      if (m.kind == TTT_BOARD && m.u.board.next == TTT_EMPTY) board = m;  // the final one
    CHECK(cells(board) == Cells{1, 2, 1, 1, 2, 2, 2, 1, 1});
    check_result(last(got, TTT_RESULT), TTT_DRAW, TTT_REASON_FULL);
  }
  CHECK(t.lines->has(Level::info, "game=tictactoe: match 1 ended: draw (board full)"));
  CHECK(t.counter("matches_drawn") == 1);
  CHECK(t.counter("matches_won") == 0);
}

TEST_CASE("tictactoe: every refused move is answered with its error and counted, never a kick") {
  TicTacToe t;
  t.join(1);
  t.players.sent.clear();
  auto error_to = [&](std::uint32_t id) {
    auto got = t.take(id);
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].kind == TTT_ERROR);
    return int(got[0].u.error);
  };
  t.move(1, 4);  // waiting, no match
  CHECK(error_to(1) == TTT_ERR_NOT_IN_MATCH);
  t.join(2);
  t.players.sent.clear();
  t.move(2, 4);  // O first
  CHECK(error_to(2) == TTT_ERR_NOT_YOUR_TURN);
  t.move(1, 9);
  CHECK(error_to(1) == TTT_ERR_BAD_CELL);
  t.move(1, 255);
  CHECK(error_to(1) == TTT_ERR_BAD_CELL);
  t.move(1, 4);
  t.players.sent.clear();
  t.move(2, 4);
  CHECK(error_to(2) == TTT_ERR_CELL_TAKEN);
  t.move(1, 0);  // X again: not its turn
  CHECK(error_to(1) == TTT_ERR_NOT_YOUR_TURN);
  CHECK(t.counter("invalid_moves") == 6);
  CHECK(t.counter("malformed_messages") == 0);
  CHECK(t.players.kicked.empty());
  CHECK(t.gauge("matches_live") == 1);
  t.move(2, 0);  // the match goes on
  CHECK(t.kinds(1) == Kinds{TTT_BOARD});
}

TEST_CASE("tictactoe: malformed bytes and other lanes are answered with an error and counted") {
  TicTacToe t;
  pair(t);
  auto error_to = [&](std::uint32_t id) {
    auto got = t.take(id);
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].kind == TTT_ERROR);
    return int(got[0].u.error);
  };
  CHECK(t.send(1, "") == 0);
  CHECK(error_to(1) == TTT_ERR_MALFORMED);
  CHECK(t.send(1, std::string(1, '\x10')) == 0);  // MOVE without its cell
  CHECK(error_to(1) == TTT_ERR_MALFORMED);
  CHECK(t.send(1, std::string("\x10\x04\x00", 3)) == 0);  // one byte too many
  CHECK(error_to(1) == TTT_ERR_MALFORMED);
  CHECK(t.send(1, std::string("\x04\x00", 2)) == 0);  // a server kind
  CHECK(error_to(1) == TTT_ERR_UNKNOWN_KIND);
  CHECK(t.send(1, std::string(70000, '\xff')) == 0);
  CHECK(error_to(1) == TTT_ERR_UNKNOWN_KIND);
  for (gs_lane lane : {GS_LANE_UNORDERED, GS_LANE_SEQUENCED, GS_LANE_UNRELIABLE}) {
    CHECK(t.send(1, std::string("\x10\x04", 2), lane) == 0);
    CHECK(error_to(1) == TTT_ERR_WRONG_LANE);
  }
  CHECK(t.counter("malformed_messages") == 8);
  CHECK(t.counter("invalid_moves") == 0);
  t.move(1, 4);  // nothing was played
  CHECK(cells(last(t.take(2), TTT_BOARD)) == Cells{0, 0, 0, 0, 1, 0, 0, 0, 0});
}

TEST_CASE("tictactoe: leaving mid-match forfeits: the other wins, is told why and waits again") {
  TicTacToe t;
  pair(t);
  t.move(1, 0);
  t.players.sent.clear();
  t.leave(1);
  auto to2 = t.take(2);
  REQUIRE(to2.size() == 2);
  check_result(to2[0], TTT_WIN, TTT_REASON_LEFT);
  CHECK(to2[1].kind == TTT_WAITING);
  CHECK(t.players.sent.empty());  // nothing for the one that left
  CHECK(t.lines->has(Level::info, "game=tictactoe: match 1 ended: 2 (O) beat 1 (forfeit, left)"));
  CHECK(t.counter("forfeits") == 1);
  CHECK(t.gauge("matches_live") == 0);
  CHECK(t.gauge("players_waiting") == 1);
  CHECK(t.host.callback_errors().at("player_left") == 0);
  t.leave(2);  // a waiting player leaves: the queue is empty
  CHECK(t.gauge("players_waiting") == 0);
  t.join(3);
  CHECK(t.kinds(3) == Kinds{TTT_WELCOME, TTT_WAITING});
}

TEST_CASE("tictactoe: the turn clock: each move restarts it; running out forfeits the player to move") {
  TicTacToe t("1000");
  t.join(1);
  CHECK(t.take(1)[0].u.welcome.turn_timeout_ms == 1000u);
  t.join(2);
  CHECK(last(t.take(1), TTT_BOARD).u.board.turn_ms_left == 1000u);
  t.take(2);
  CHECK(t.host.next_due() == t.now + 1000);
  t.advance(400);
  t.move(1, 4);
  CHECK(last(t.take(2), TTT_BOARD).u.board.turn_ms_left == 1000u);
  CHECK(t.host.next_due() == t.now + 1000);
  CHECK(t.host.timer_count() == 1);
  t.advance(999);
  CHECK(t.players.sent.size() == 1);  // the board to 1 only: nothing fired
  t.take(1);
  t.advance(1);
  auto to1 = t.take(1);
  auto to2 = t.take(2);
  check_result(to1.at(0), TTT_WIN, TTT_REASON_TIMEOUT);
  check_result(to2.at(0), TTT_LOSE, TTT_REASON_TIMEOUT);
  CHECK(t.lines->has(Level::info, "game=tictactoe: match 1 ended: 1 (X) beat 2 (forfeit, turn timeout)"));
  CHECK(t.counter("forfeits") == 1);
  CHECK(t.host.callback_errors().at("timer") == 0);
  // Both went back to the queue and were paired again with the marks swapped.
  CHECK(last(to2, TTT_MATCH_START).u.match_start.you == TTT_X);
  CHECK(last(to1, TTT_MATCH_START).u.match_start.you == TTT_O);
  CHECK(t.host.timer_count() == 1);  // the new match's clock
}

TEST_CASE("tictactoe: a bad turn_timeout_ms fails the start with the setting named") {
  for (const char* bad : {"abc", "-5", "", "1e3", "86400001", "99999999999999999999999"}) {
    CAPTURE(bad);
    gs::test::HostedModule m("GS_TEST_MODULE_TICTACTOE", {{"turn_timeout_ms", bad}});
    CHECK_THROWS_WITH_AS(m.host.start(), doctest::Contains("start failed: turn_timeout_ms: "),
                         gs::game::ModuleError);
  }
  gs::test::HostedModule ok("GS_TEST_MODULE_TICTACTOE", {{"turn_timeout_ms", "86400000"}});
  CHECK_NOTHROW(ok.host.start());
}
