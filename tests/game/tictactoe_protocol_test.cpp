// games/tictactoe/tictactoe_protocol.h on its own: every message encodes and decodes
// back, wrong sizes and out-of-range values are refused, random bytes never decode into
// something that does not encode back to them.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "tictactoe_protocol.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

ttt_server_message decoded(const Bytes& b) {
  ttt_server_message m{};
  REQUIRE(ttt_decode_server(b.data(), b.size(), &m) == 0);
  return m;
}

// A decoded server message, encoded again.
Bytes encode(const ttt_server_message& m) {
  std::uint8_t out[TTT_MAX_SIZE];
  std::size_t n = 0;
  switch (m.kind) {
    case TTT_WELCOME: n = ttt_encode_welcome(out, m.u.welcome.player, m.u.welcome.turn_timeout_ms); break;
    case TTT_WAITING: n = ttt_encode_waiting(out); break;
    case TTT_MATCH_START:
      n = ttt_encode_match_start(out, m.u.match_start.you, m.u.match_start.opponent, m.u.match_start.match);
      break;
    case TTT_BOARD: n = ttt_encode_board(out, m.u.board.cells, m.u.board.next, m.u.board.turn_ms_left); break;
    case TTT_RESULT: n = ttt_encode_result(out, m.u.result.outcome, m.u.result.reason); break;
    case TTT_ERROR: n = ttt_encode_error(out, m.u.error); break;
    case TTT_OPPONENT: n = ttt_encode_opponent(out, m.u.opponent); break;
    default: FAIL("kind " << int(m.kind));
  }
  return {out, out + n};
}

template <class F>
Bytes make(std::size_t size, F&& f) {
  Bytes b(size);
  CHECK(f(b.data()) == size);
  return b;
}

}  // namespace

TEST_CASE("tictactoe protocol: each server message is its kind byte then little-endian fields") {
  CHECK(make(TTT_WELCOME_SIZE, [](std::uint8_t* o) { return ttt_encode_welcome(o, 0x04030201, 30000); }) ==
        Bytes{0x01, 1, 0x01, 0x02, 0x03, 0x04, 0x30, 0x75, 0, 0});
  CHECK(make(TTT_WAITING_SIZE, [](std::uint8_t* o) { return ttt_encode_waiting(o); }) == Bytes{0x02});
  CHECK(make(TTT_MATCH_START_SIZE, [](std::uint8_t* o) {
          return ttt_encode_match_start(o, TTT_O, 7, 258);
        }) == Bytes{0x03, 2, 7, 0, 0, 0, 2, 1, 0, 0});
  const std::uint8_t cells[9] = {1, 2, 0, 0, 1, 0, 0, 0, 2};
  CHECK(make(TTT_BOARD_SIZE, [&](std::uint8_t* o) { return ttt_encode_board(o, cells, TTT_X, 1000); }) ==
        Bytes{0x04, 1, 2, 0, 0, 1, 0, 0, 0, 2, 1, 0xe8, 0x03, 0, 0});
  CHECK(make(TTT_RESULT_SIZE, [](std::uint8_t* o) {
          return ttt_encode_result(o, TTT_LOSE, TTT_REASON_TIMEOUT);
        }) == Bytes{0x05, 2, 4});
  CHECK(make(TTT_ERROR_SIZE, [](std::uint8_t* o) { return ttt_encode_error(o, TTT_ERR_CELL_TAKEN); }) ==
        Bytes{0x06, 4});
  CHECK(make(TTT_OPPONENT_SIZE, [](std::uint8_t* o) { return ttt_encode_opponent(o, TTT_OPPONENT_AWAY); }) ==
        Bytes{0x07, 1});
  CHECK(make(TTT_MOVE_SIZE, [](std::uint8_t* o) { return ttt_encode_move(o, 8); }) == Bytes{0x10, 8});

  auto board = decoded({0x04, 1, 2, 0, 0, 1, 0, 0, 0, 2, 1, 0xe8, 0x03, 0, 0});
  CHECK(board.u.board.cells[1] == TTT_O);
  CHECK(board.u.board.turn_ms_left == 1000u);
  CHECK(decoded({0x01, 1, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0}).u.welcome.player == 0x04030201u);
}

TEST_CASE("tictactoe protocol: wrong sizes, unknown kinds and out-of-range values do not decode") {
  ttt_server_message m{};
  CHECK(ttt_decode_server(nullptr, 0, &m) == -1);
  for (std::uint8_t kind :
       {TTT_WELCOME, TTT_WAITING, TTT_MATCH_START, TTT_BOARD, TTT_RESULT, TTT_ERROR, TTT_OPPONENT}) {
    std::size_t size = ttt_server_message_size(kind);
    for (std::size_t wrong : {size - 1, size + 1}) {
      Bytes b(wrong, 1);
      if (!b.empty()) b[0] = kind;
      CHECK(ttt_decode_server(b.data(), b.size(), &m) == -1);
    }
  }
  CHECK(ttt_decode_server(Bytes{TTT_MOVE, 1}.data(), 2, &m) == -1);                       // a client message
  CHECK(ttt_decode_server(Bytes{0x03, 3, 0, 0, 0, 0, 0, 0, 0, 0}.data(), 10, &m) == -1);  // mark 3
  CHECK(ttt_decode_server(Bytes{0x04, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}.data(), 15, &m) ==
        -1);  // a cell 3
  CHECK(ttt_decode_server(Bytes{0x05, 4, 1}.data(), 3, &m) == -1);
  CHECK(ttt_decode_server(Bytes{0x05, 1, 5}.data(), 3, &m) == -1);
  CHECK(ttt_decode_server(Bytes{0x06, 0}.data(), 2, &m) == -1);
  CHECK(ttt_decode_server(Bytes{0x06, TTT_ERR_LAST + 1}.data(), 2, &m) == -1);
  CHECK(ttt_decode_server(Bytes{0x07, 3}.data(), 2, &m) == -1);

  std::uint8_t cell = 0, error = 0;
  CHECK(ttt_decode_move(nullptr, 0, &cell, &error) == -1);
  CHECK(error == TTT_ERR_MALFORMED);
  CHECK(ttt_decode_move(Bytes{0x11, 1}.data(), 2, &cell, &error) == -1);
  CHECK(error == TTT_ERR_UNKNOWN_KIND);
  CHECK(ttt_decode_move(Bytes{0x10, 1, 0}.data(), 3, &cell, &error) == -1);
  CHECK(error == TTT_ERR_MALFORMED);
  CHECK(ttt_decode_move(Bytes{0x10, 200}.data(), 2, &cell, &error) == 0);
  CHECK(cell == 200);  // the range is a rule, checked by the game
}

TEST_CASE("tictactoe protocol: random bytes decode only into messages that encode back to them") {
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 100000; ++i) {
    Bytes b(rng() % 17);  // exactly its size on the heap: a read past it is a sanitizer error
    for (auto& c : b) c = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : rng() % 8);
    ttt_server_message m{};
    if (ttt_decode_server(b.data(), b.size(), &m) != 0) continue;
    ++accepted;
    if (m.kind == TTT_WELCOME) {  // any version decodes (a client tells the user); ours encodes
      CHECK(m.u.welcome.version == b[1]);
      b[1] = TTT_PROTOCOL_VERSION;
    }
    CHECK(encode(m) == b);
  }
  CHECK(accepted > 0);
}
