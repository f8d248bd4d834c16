// The smallest C++ game module, built out of tree by install_test.sh against the installed
// <gameserver/game.hpp> with `pkg-config --cflags gameserver-game` and `c++ -shared -fPIC`:
// it must export gs_game_module_v1 and none of the header's C++.
#include <gameserver/game.hpp>

class Tiny : public gs::game::Game {
 public:
  explicit Tiny(gs::game::Host& host) : Game(host) {}
  void on_tick(std::uint64_t tick, double dt) override { (void)tick, (void)dt; }
};

GS_GAME_MODULE(Tiny, "tiny", "0.0.1")
