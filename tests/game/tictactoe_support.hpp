#pragma once
// The tic-tac-toe module (games/tictactoe) hosted on a manual clock with fake players:
// joining, moving, and what each player was sent, decoded with the game's own protocol
// header.

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "exposition.hpp"
#include "game_support.hpp"
#include "tictactoe_protocol.h"

namespace gs::test {

struct TicTacToe : HostedModule {
  // Started, with the setting turn_timeout_ms when it is given.
  explicit TicTacToe(const char* turn_timeout_ms = nullptr)
      : HostedModule("GS_TEST_MODULE_TICTACTOE", settings(turn_timeout_ms)) {
    host.start();
  }
  static std::vector<config::GameSetting> settings(const char* turn_timeout_ms) {
    if (!turn_timeout_ms) return {};
    return {{"turn_timeout_ms", turn_timeout_ms}};
  }

  void join(std::uint32_t id) {
    players.present.insert(id);
    CHECK(host.call_joined(id, "player" + std::to_string(id), 0, "jti") == 0);
  }
  void leave(std::uint32_t id, const std::string& reason = "left") {
    players.present.erase(id);
    CHECK(host.call_left(id, reason) == 0);
  }
  int send(std::uint32_t id, const std::string& bytes, gs_lane lane = GS_LANE_RELIABLE) {
    return host.call_message(id, lane, gs::test::bytes(bytes));
  }
  void move(std::uint32_t id, std::uint8_t cell) {
    std::uint8_t out[TTT_MOVE_SIZE];
    std::size_t n = ttt_encode_move(out, cell);
    CHECK(send(id, std::string(reinterpret_cast<const char*>(out), n)) == 0);
  }
  void advance(std::uint64_t ms) {
    now += ms;
    host.fire_due(now);
  }

  // Every message sent to `id` since the last take(), decoded (each one must decode and
  // be on the reliable lane), in order; takes them out of the record.
  std::vector<ttt_server_message> take(std::uint32_t id) {
    std::vector<ttt_server_message> out;
    std::vector<Sent> rest;
    for (const auto& s : players.sent) {
      if (s.player != id) {
        rest.push_back(s);
        continue;
      }
      CHECK(s.lane == GS_LANE_RELIABLE);
      ttt_server_message m{};
      INFO("a message of " << s.bytes.size() << " bytes to player " << id);
      REQUIRE(ttt_decode_server(s.bytes.data(), s.bytes.size(), &m) == 0);
      out.push_back(m);
    }
    players.sent = rest;
    return out;
  }
  std::vector<std::uint8_t> kinds(std::uint32_t id) {
    std::vector<std::uint8_t> k;
    for (const auto& m : take(id)) k.push_back(m.kind);
    return k;
  }

  double metric(const std::string& name) const {
    admin::MetricsWriter writer;
    host.collect(writer);
    auto parsed = parse_exposition(writer.text());
    REQUIRE(parsed.exposition);
    auto it = parsed.exposition->samples.find(key(name, {{"game", "tictactoe"}}));
    REQUIRE_MESSAGE(it != parsed.exposition->samples.end(), name);
    return it->second;
  }
  double counter(const std::string& name) const { return metric("gameserver_game_" + name + "_total"); }
  double gauge(const std::string& name) const { return metric("gameserver_game_" + name); }
};

inline std::vector<std::uint8_t> cells(const ttt_server_message& m) {
  return {m.u.board.cells, m.u.board.cells + 9};
}

}  // namespace gs::test
