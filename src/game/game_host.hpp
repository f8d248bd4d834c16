#pragma once
// The world's side of a game module: GameHost implements gs_host_api (game.h) and is the
// one place that calls the module's callbacks. Sans-IO: it owns no socket and reads no
// clock of its own; players are reached through GamePlayers (the world implements it),
// time comes from the clock function it is given and from fire_due(now).
//
// Everything runs on the world's event-loop thread. A host function never calls the
// module back before it returns, so GamePlayers must not either (a kick's player_left
// comes later, from the loop); GameHost refuses to be re-entered (std::logic_error).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "admin/metrics.hpp"
#include "config/game_settings.hpp"
#include "game/module_loader.hpp"
#include "gameserver/game.h"

namespace gs::game {
class GameHost;
}

// What the module holds as its gs_host*: the GameHost behind it.
struct gs_host {
  gs::game::GameHost* owner;
};

namespace gs::game {

// The world's players, as a game may act on them. Arguments are already checked by
// GameHost (lane 1..4, size <= GS_GAME_MAX_MESSAGE, data non-null when size > 0, a kick
// reason of 1..32 printable ASCII bytes); results are gs_result values. Implementations
// copy the bytes before returning and never call into GameHost.
class GamePlayers {
 public:
  virtual ~GamePlayers() = default;
  virtual int send(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) = 0;
  // To every player but `except` (0: none).
  virtual int broadcast(gs_lane lane, std::span<const std::byte> data, std::uint32_t except) = 0;
  virtual int kick(std::uint32_t player, std::string_view reason) = 0;
  virtual int stats(std::uint32_t player, gs_player_stats& out) = 0;
};

// Limits on what a module may hold in the host.
inline constexpr std::size_t kMaxGameMetrics = 256;
inline constexpr std::size_t kMaxGameTimers = 100000;
inline constexpr std::size_t kMaxGameLogLine = 4096;  // bytes; longer lines are cut

class GameHost {
 public:
  using Clock = std::function<std::uint64_t()>;  // milliseconds, monotonic

  // `log` receives the game's lines ("game=NAME: ...") and GameHost's own about it.
  GameHost(GameModule module, GamePlayers& players, std::shared_ptr<spdlog::logger> log,
           std::vector<config::GameSetting> settings, Clock clock_ms);
  ~GameHost();  // stop() if still running
  GameHost(const GameHost&) = delete;
  GameHost& operator=(const GameHost&) = delete;

  // Calls the module's start with the settings. Throws ModuleError
  // ("FILE: start failed: <the module's text>") when it returns nonzero.
  void start();
  // Calls the module's stop (if any); no callback follows. Timers are dropped.
  void stop();
  bool running() const { return running_; }

  // The module's callbacks, each skipped (returning 0) when the module has none or the
  // game is not running. A nonzero result is counted per callback and logged (at a
  // limited rate: the first ten, then every power of ten); the result is returned.
  int call_joined(std::uint32_t player, const std::string& account, std::int64_t token_issued,
                  const std::string& token_id);
  int call_suspended(std::uint32_t player);
  int call_resumed(std::uint32_t player);
  // `reason`: "left", "kicked", "replaced", "timeout", "shutdown".
  int call_left(std::uint32_t player, const std::string& reason);
  int call_message(std::uint32_t player, gs_lane lane, std::span<const std::byte> data);
  int call_tick(std::uint64_t tick, double dt);

  // Calls the timer callback for every timer due at `now_ms` (the clock's time), in
  // order of due time, each at most once per call: a repeating timer is re-armed one
  // period after its due time (or after `now_ms` if it fell that far behind). Timers
  // started during this call fire on a later one.
  void fire_due(std::uint64_t now_ms);
  // When the earliest timer is due (clock milliseconds), nullopt when there is none.
  std::optional<std::uint64_t> next_due() const;
  std::size_t timer_count() const { return timers_.size(); }

  // The game's counters (gameserver_game_NAME_total) and gauges (gameserver_game_NAME),
  // and gameserver_game_callback_errors_total{callback}, all labelled game="NAME".
  void collect(admin::MetricsWriter& out) const;
  // Nonzero results per callback name ("message", "tick", ...): every callback the
  // module has is present, from 0.
  const std::map<std::string, std::uint64_t>& callback_errors() const { return callback_errors_; }
  const GameModule& module() const { return module_; }

 private:
  friend struct HostFunctions;
  struct Timer {
    std::uint64_t due;
    std::uint32_t repeat_ms;
    void* user;
  };
  struct Metric {
    bool counter;
    double value;
  };

  // gs_host_api's functions, arguments not yet checked.
  int send(std::uint32_t player, int lane, const void* data, std::size_t size);
  int broadcast(int lane, const void* data, std::size_t size, std::uint32_t except);
  int kick(std::uint32_t player, const char* reason);
  int player_stats(std::uint32_t player, gs_player_stats* out);
  std::uint64_t timer_start(std::uint32_t delay_ms, std::uint32_t repeat_ms, void* user);
  int timer_cancel(std::uint64_t timer);
  void log(int level, const char* message);
  int metric(const char* name, double value, bool counter);
  const char* setting(const char* key) const;
  std::uint64_t now_ms() const { return clock_ms_(); }

  template <class F>
  int call(const char* callback, bool present, F&& f);
  void arm(std::uint64_t id, std::uint64_t due);

  gs_host handle_{this};
  GameModule module_;
  GamePlayers& players_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<config::GameSetting> settings_;
  std::map<std::string, std::size_t, std::less<>> setting_index_;
  Clock clock_ms_;

  void* game_ = nullptr;
  bool running_ = false;
  bool in_callback_ = false;

  std::map<std::uint64_t, Timer> timers_;                    // by id
  std::set<std::pair<std::uint64_t, std::uint64_t>> queue_;  // (due, id)
  std::uint64_t next_timer_ = 1;

  std::map<std::string, Metric, std::less<>> metrics_;
  std::map<std::string, std::uint64_t> callback_errors_;
};

}  // namespace gs::game
