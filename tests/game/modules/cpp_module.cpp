// A game module written with gameserver/game.hpp ("cpp_echo"):
//   its constructor throws when the setting "fail" is present (start fails with its text);
//   on_message throws on the text "throw", echoes anything else on the same lane;
//   on_tick counts ticks.
#include <stdexcept>
#include <string>
#include <string_view>

#include "gameserver/game.hpp"

namespace {

class CppEcho : public gs::game::Game {
 public:
  explicit CppEcho(gs::game::Host& host) : Game(host) {
    if (auto fail = host.setting("fail")) throw std::runtime_error("refusing to start: " + *fail);
  }

  void on_message(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) override {
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    if (text == "throw")
      throw std::runtime_error("cannot handle message from player " + std::to_string(player));
    host().send(player, lane, data);
  }

  void on_tick(std::uint64_t, double) override { host().count("ticks"); }
};

}  // namespace

GS_GAME_MODULE(CppEcho, "cpp_echo", "2.0.0")
