// GameHost's timers on a manual clock, with a module table defined in the test.
#include "game/game_host.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "game_support.hpp"

namespace {

// The test's game: records each timer that fires and runs `on_fire` inside the callback.
struct TimerGame {
  gs_host* host = nullptr;
  const gs_host_api* api = nullptr;
  std::vector<std::pair<std::uint64_t, void*>> fired;
  std::function<void(std::uint64_t)> on_fire;
  std::vector<std::pair<std::string, std::string>> settings;  // as start() received them

  std::uint64_t start_timer(std::uint32_t delay, std::uint32_t repeat, void* user = nullptr) {
    return api->timer_start(host, delay, repeat, user);
  }
  int cancel(std::uint64_t id) { return api->timer_cancel(host, id); }
};

TimerGame* starting = nullptr;

gs::game::GameModule timer_module(bool with_callback) {
  gs_game_module t{};
  t.abi_version = GS_GAME_ABI_VERSION;
  t.size = sizeof t;
  t.name = "timers";
  t.start = [](gs_host* host, const gs_host_api* api, const gs_setting* settings, std::size_t count,
               void** game, char*, std::size_t) {
    starting->host = host;
    starting->api = api;
    for (std::size_t i = 0; i < count; ++i)
      starting->settings.emplace_back(settings[i].key, settings[i].value);
    *game = starting;
    return 0;
  };
  if (with_callback) {
    t.timer = [](void* game, std::uint64_t id, void* user) {
      auto* g = static_cast<TimerGame*>(game);
      g->fired.emplace_back(id, user);
      if (g->on_fire) g->on_fire(id);
      return 0;
    };
  }
  return {"timers.so", "timers", "1", t};
}

struct Fixture {
  TimerGame game;
  gs::test::FakePlayers players;
  std::uint64_t now = 1000;
  gs::game::GameHost host;

  explicit Fixture(bool with_callback = true, std::vector<gs::config::GameSetting> settings = {})
      : host(timer_module(with_callback), players,
             gs::test::capture_logger(std::make_shared<gs::test::LogLines>()), std::move(settings),
             [this] { return now; }) {
    starting = &game;
    host.start();
  }
  std::vector<std::uint64_t> fired_ids() const {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, user] : game.fired) ids.push_back(id);
    return ids;
  }
};

}  // namespace

TEST_CASE("timers: a one-shot timer fires once at its due time with its user pointer") {
  Fixture f;
  int tag = 0;
  std::uint64_t id = f.game.start_timer(100, 0, &tag);
  CHECK(id != 0);
  CHECK(f.host.next_due() == 1100u);
  f.host.fire_due(1099);
  CHECK(f.game.fired.empty());
  f.host.fire_due(1100);
  CHECK(f.game.fired == std::vector<std::pair<std::uint64_t, void*>>{{id, &tag}});
  f.host.fire_due(5000);
  CHECK(f.game.fired.size() == 1);
  CHECK(f.host.next_due() == std::nullopt);
  CHECK(f.host.timer_count() == 0);
}

TEST_CASE("timers: a repeating timer is re-armed one period after its due time, once per call when late") {
  Fixture f;
  std::uint64_t id = f.game.start_timer(10, 20);
  f.host.fire_due(1010);
  CHECK(f.host.next_due() == 1030u);
  f.host.fire_due(1031);
  CHECK(f.host.next_due() == 1050u);
  f.host.fire_due(1100);  // two periods late: fires once, next one period from now
  CHECK(f.fired_ids() == std::vector<std::uint64_t>{id, id, id});
  CHECK(f.host.next_due() == 1120u);
}

TEST_CASE("timers: due timers fire in order of due time, then of start") {
  Fixture f;
  std::uint64_t late = f.game.start_timer(30, 0);
  std::uint64_t early = f.game.start_timer(10, 0);
  std::uint64_t same = f.game.start_timer(10, 0);
  f.host.fire_due(2000);
  CHECK(f.fired_ids() == std::vector<std::uint64_t>{early, same, late});
}

TEST_CASE("timers: a timer cancelled from inside a callback does not fire, itself or another due one") {
  Fixture f;
  std::uint64_t repeating = f.game.start_timer(10, 10);
  std::uint64_t other = f.game.start_timer(10, 0);
  int cancel_results = 0;
  f.game.on_fire = [&](std::uint64_t id) {
    if (id == repeating) cancel_results += f.game.cancel(repeating) + f.game.cancel(other);
  };
  f.host.fire_due(1010);
  CHECK(f.fired_ids() == std::vector<std::uint64_t>{repeating});
  CHECK(cancel_results == GS_OK);
  f.host.fire_due(9999);
  CHECK(f.game.fired.size() == 1);
  CHECK(f.host.timer_count() == 0);
}

TEST_CASE("timers: a timer started inside a callback fires on a later call, even with no delay") {
  Fixture f;
  std::uint64_t first = f.game.start_timer(0, 0);
  std::uint64_t second = 0;
  f.game.on_fire = [&](std::uint64_t id) {
    if (id == first) second = f.game.start_timer(0, 0);
  };
  f.host.fire_due(1000);
  CHECK(f.fired_ids() == std::vector<std::uint64_t>{first});
  f.host.fire_due(1000);
  CHECK(f.fired_ids() == std::vector<std::uint64_t>{first, second});
}

TEST_CASE("timers: ids are never 0 and never reused; a finished or cancelled id cannot be cancelled") {
  Fixture f;
  std::uint64_t a = f.game.start_timer(10, 0);
  CHECK(f.game.cancel(a) == GS_OK);
  CHECK(f.game.cancel(a) == GS_ERR_ARGUMENT);
  std::uint64_t b = f.game.start_timer(10, 0);
  f.host.fire_due(1010);
  CHECK(f.game.cancel(b) == GS_ERR_ARGUMENT);
  std::uint64_t c = f.game.start_timer(10, 0);
  CHECK(a != 0);
  CHECK(b > a);
  CHECK(c > b);
}

TEST_CASE("timers: a module without a timer callback still has its timers run out") {
  Fixture f(false);
  f.game.start_timer(5, 0);
  f.host.fire_due(1005);
  CHECK(f.host.timer_count() == 0);
  CHECK(f.game.fired.empty());
}

TEST_CASE("timers: stop drops the timers; no timer starts after it; at most 100000 at once") {
  Fixture f;
  for (std::size_t i = 0; i < gs::game::kMaxGameTimers; ++i) REQUIRE(f.game.start_timer(10, 0) != 0);
  CHECK(f.game.start_timer(10, 0) == 0);
  f.host.stop();
  CHECK(f.host.timer_count() == 0);
  CHECK(f.host.next_due() == std::nullopt);
  CHECK(f.game.start_timer(10, 0) == 0);
  f.host.fire_due(2000);
  CHECK(f.game.fired.empty());
}

TEST_CASE("game host: start receives the settings in order; setting() finds them; now_ms is the clock's") {
  Fixture f(true, {{"spawn.x", "1"}, {"maps.0", "moon"}, {"empty", ""}});
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(f.game.settings == Pairs{{"spawn.x", "1"}, {"maps.0", "moon"}, {"empty", ""}});
  CHECK(std::string(f.game.api->setting(f.game.host, "maps.0")) == "moon");
  CHECK(std::string(f.game.api->setting(f.game.host, "empty")).empty());
  CHECK(f.game.api->setting(f.game.host, "maps") == nullptr);
  f.now = 123456;
  CHECK(f.game.api->now_ms(f.game.host) == 123456u);
  CHECK(f.game.api->abi_version == GS_GAME_ABI_VERSION);
  CHECK(f.game.api->size == sizeof(gs_host_api));
}

TEST_CASE("game host: calling the game from inside one of its callbacks is refused; later calls work") {
  Fixture f;
  f.game.start_timer(0, 0);
  bool refused = false;
  f.game.on_fire = [&](std::uint64_t) {
    try {
      f.host.call_tick(1, 0.1);
    } catch (const std::logic_error&) {
      refused = true;
    }
  };
  f.host.fire_due(1000);
  CHECK(refused);
  f.game.on_fire = nullptr;
  f.game.start_timer(0, 0);
  f.host.fire_due(1000);
  CHECK(f.game.fired.size() == 2);
}
