#include "game/game_host.hpp"

#include <cmath>
#include <cstring>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>

namespace gs::game {
namespace {

bool valid_lane(int lane) { return lane >= GS_LANE_RELIABLE && lane <= GS_LANE_UNRELIABLE; }

bool valid_reason(const char* reason) {
  std::size_t n = strnlen(reason, 33);
  if (n == 0 || n > 32) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (reason[i] < 0x20 || reason[i] > 0x7e) return false;
  return true;
}

// [a-z][a-z0-9_]{0,63}; "_total" is added to counters by the host, and callback_errors
// is the host's own family, so neither is a game's name.
bool valid_metric_name(const char* name) {
  std::size_t n = strnlen(name, 65);
  if (n == 0 || n > 64 || name[0] < 'a' || name[0] > 'z') return false;
  for (std::size_t i = 1; i < n; ++i) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  std::string_view text(name, n);
  return !text.ends_with("_total") && text != "callback_errors";
}

spdlog::level::level_enum log_level(int level) {
  switch (level) {
    case GS_LOG_DEBUG: return spdlog::level::debug;
    case GS_LOG_INFO: return spdlog::level::info;
    case GS_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}

// The message cut to kMaxGameLogLine bytes, control characters as '?': one log line.
std::string log_text(const char* message) {
  if (!message) return "(NULL message)";
  std::size_t n = strnlen(message, kMaxGameLogLine + 1);
  std::string text(message, std::min(n, kMaxGameLogLine));
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (n > kMaxGameLogLine) text += "... (cut)";
  return text;
}

// Sets a flag for the duration of a scope (exceptions included).
class Flag {
 public:
  explicit Flag(bool& flag) : flag_(flag) { flag_ = true; }
  ~Flag() { flag_ = false; }
  Flag(const Flag&) = delete;
  Flag& operator=(const Flag&) = delete;

 private:
  bool& flag_;
};

bool worth_logging(std::uint64_t count) {
  if (count <= 10) return true;
  while (count % 10 == 0) count /= 10;
  return count == 1;
}

}  // namespace

// gs_host_api's entries: find the GameHost, never let an exception into the module.
struct HostFunctions {
  template <class R, class F>
  static R guarded(gs_host* host, R failed, F&& f) {
    if (!host || !host->owner) return failed;
    try {
      return f(*host->owner);
    } catch (const std::exception& e) {
      host->owner->log_->error("game={}: host function failed: {}", host->owner->module_.name, e.what());
    } catch (...) {
      host->owner->log_->error("game={}: host function failed", host->owner->module_.name);
    }
    return failed;
  }
  static int send(gs_host* h, std::uint32_t player, int lane, const void* data, std::size_t size) {
    return guarded(h, int{GS_ERR_ARGUMENT}, [&](GameHost& g) { return g.send(player, lane, data, size); });
  }
  static int broadcast(gs_host* h, int lane, const void* data, std::size_t size, std::uint32_t except) {
    return guarded(h, int{GS_ERR_ARGUMENT},
                   [&](GameHost& g) { return g.broadcast(lane, data, size, except); });
  }
  static int kick(gs_host* h, std::uint32_t player, const char* reason) {
    return guarded(h, int{GS_ERR_ARGUMENT}, [&](GameHost& g) { return g.kick(player, reason); });
  }
  static int player_stats(gs_host* h, std::uint32_t player, gs_player_stats* out) {
    return guarded(h, int{GS_ERR_ARGUMENT}, [&](GameHost& g) { return g.player_stats(player, out); });
  }
  static std::uint64_t timer_start(gs_host* h, std::uint32_t delay_ms, std::uint32_t repeat_ms, void* user) {
    return guarded(h, std::uint64_t{0},
                   [&](GameHost& g) { return g.timer_start(delay_ms, repeat_ms, user); });
  }
  static int timer_cancel(gs_host* h, std::uint64_t timer) {
    return guarded(h, int{GS_ERR_ARGUMENT}, [&](GameHost& g) { return g.timer_cancel(timer); });
  }
  static void log(gs_host* h, int level, const char* message) {
    guarded(h, 0, [&](GameHost& g) { return g.log(level, message), 0; });
  }
  static int counter_add(gs_host* h, const char* name, double value) {
    return guarded(h, int{GS_ERR_ARGUMENT}, [&](GameHost& g) { return g.metric(name, value, true); });
  }
  static int gauge_set(gs_host* h, const char* name, double value) {
    return guarded(h, int{GS_ERR_ARGUMENT}, [&](GameHost& g) { return g.metric(name, value, false); });
  }
  static const char* setting(gs_host* h, const char* key) {
    return guarded(h, static_cast<const char*>(nullptr), [&](GameHost& g) { return g.setting(key); });
  }
  static std::uint64_t now_ms(gs_host* h) {
    return guarded(h, std::uint64_t{0}, [&](GameHost& g) { return g.now_ms(); });
  }
};

namespace {

const gs_host_api kHostApi = {
    .abi_version = GS_GAME_ABI_VERSION,
    .size = sizeof(gs_host_api),
    .send = &HostFunctions::send,
    .broadcast = &HostFunctions::broadcast,
    .kick = &HostFunctions::kick,
    .player_stats = &HostFunctions::player_stats,
    .timer_start = &HostFunctions::timer_start,
    .timer_cancel = &HostFunctions::timer_cancel,
    .log = &HostFunctions::log,
    .counter_add = &HostFunctions::counter_add,
    .gauge_set = &HostFunctions::gauge_set,
    .setting = &HostFunctions::setting,
    .now_ms = &HostFunctions::now_ms,
};

}  // namespace

GameHost::GameHost(GameModule module, GamePlayers& players, std::shared_ptr<spdlog::logger> log,
                   std::vector<config::GameSetting> settings, Clock clock_ms)
    : module_(std::move(module)),
      players_(players),
      log_(std::move(log)),
      settings_(std::move(settings)),
      clock_ms_(std::move(clock_ms)) {
  for (std::size_t i = 0; i < settings_.size(); ++i) setting_index_.emplace(settings_[i].key, i);
  const gs_game_module& t = module_.table;
  std::pair<const char*, bool> callbacks[] = {
      {"player_joined", t.player_joined != nullptr},
      {"player_suspended", t.player_suspended != nullptr},
      {"player_resumed", t.player_resumed != nullptr},
      {"player_left", t.player_left != nullptr},
      {"message", t.message != nullptr},
      {"tick", t.tick != nullptr},
      {"timer", t.timer != nullptr},
  };
  for (const auto& [name, present] : callbacks)
    if (present) callback_errors_[name] = 0;
}

GameHost::~GameHost() { stop(); }

void GameHost::start() {
  if (running_) throw std::logic_error("GameHost::start: already running");
  std::vector<gs_setting> list;
  list.reserve(settings_.size());
  for (const auto& s : settings_) list.push_back({s.key.c_str(), s.value.c_str()});
  char error[512] = {};
  running_ = true;
  int result = 0;
  {
    Flag inside(in_callback_);
    result = module_.table.start(&handle_, &kHostApi, list.empty() ? nullptr : list.data(), list.size(),
                                 &game_, error, sizeof error);
  }
  if (result != 0) {
    running_ = false;
    game_ = nullptr;
    timers_.clear();
    queue_.clear();
    error[sizeof error - 1] = '\0';
    throw ModuleError(fmt::format("{}: start failed: {}", module_.file,
                                  error[0] ? log_text(error) : "(the module gave no reason)"));
  }
  log_->info("game={}: started (version {}, from {}, {} settings)", module_.name,
             module_.version.empty() ? "?" : module_.version, module_.file, settings_.size());
}

void GameHost::stop() {
  if (!running_) return;
  if (module_.table.stop) {
    Flag inside(in_callback_);
    module_.table.stop(game_);
  }
  running_ = false;
  game_ = nullptr;
  timers_.clear();
  queue_.clear();
  log_->info("game={}: stopped", module_.name);
}

template <class F>
int GameHost::call(const char* callback, bool present, F&& f) {
  if (in_callback_)
    throw std::logic_error(fmt::format("GameHost: {} called from inside a game callback", callback));
  if (!running_ || !present) return 0;
  int result = 0;
  {
    Flag inside(in_callback_);
    result = f();
  }
  if (result != 0) {
    std::uint64_t count = ++callback_errors_[callback];
    if (worth_logging(count))
      log_->warn("game={}: {} returned {} ({} failed so far)", module_.name, callback, result, count);
  }
  return result;
}

int GameHost::call_joined(std::uint32_t player, const std::string& account, std::int64_t token_issued,
                          const std::string& token_id) {
  gs_player p{player, account.c_str(), token_issued, token_id.c_str()};
  return call("player_joined", module_.table.player_joined != nullptr,
              [&] { return module_.table.player_joined(game_, &p); });
}

int GameHost::call_suspended(std::uint32_t player) {
  return call("player_suspended", module_.table.player_suspended != nullptr,
              [&] { return module_.table.player_suspended(game_, player); });
}

int GameHost::call_resumed(std::uint32_t player) {
  return call("player_resumed", module_.table.player_resumed != nullptr,
              [&] { return module_.table.player_resumed(game_, player); });
}

int GameHost::call_left(std::uint32_t player, const std::string& reason) {
  return call("player_left", module_.table.player_left != nullptr,
              [&] { return module_.table.player_left(game_, player, reason.c_str()); });
}

int GameHost::call_message(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) {
  return call("message", module_.table.message != nullptr,
              [&] { return module_.table.message(game_, player, lane, data.data(), data.size()); });
}

int GameHost::call_tick(std::uint64_t tick, double dt) {
  return call("tick", module_.table.tick != nullptr, [&] { return module_.table.tick(game_, tick, dt); });
}

void GameHost::arm(std::uint64_t id, std::uint64_t due) {
  timers_.at(id).due = due;
  queue_.emplace(due, id);
}

void GameHost::fire_due(std::uint64_t now_ms) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> due;
  for (auto it = queue_.begin(); it != queue_.end() && it->first <= now_ms; ++it) due.push_back(*it);
  for (const auto& [when, id] : due) {
    if (!running_) return;
    auto it = timers_.find(id);
    if (it == timers_.end() || it->second.due != when) continue;  // cancelled meanwhile
    queue_.erase({when, id});
    void* user = it->second.user;
    if (it->second.repeat_ms == 0) {
      timers_.erase(it);
    } else {
      std::uint64_t next = when + it->second.repeat_ms;
      arm(id, next > now_ms ? next : now_ms + it->second.repeat_ms);
    }
    call("timer", module_.table.timer != nullptr, [&] { return module_.table.timer(game_, id, user); });
  }
}

std::optional<std::uint64_t> GameHost::next_due() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first;
}

int GameHost::send(std::uint32_t player, int lane, const void* data, std::size_t size) {
  if (!valid_lane(lane)) return GS_ERR_LANE;
  if (size > GS_GAME_MAX_MESSAGE) return GS_ERR_TOO_LARGE;
  if (!data && size > 0) return GS_ERR_ARGUMENT;
  return players_.send(player, static_cast<gs_lane>(lane), {static_cast<const std::byte*>(data), size});
}

int GameHost::broadcast(int lane, const void* data, std::size_t size, std::uint32_t except) {
  if (!valid_lane(lane)) return GS_ERR_LANE;
  if (size > GS_GAME_MAX_MESSAGE) return GS_ERR_TOO_LARGE;
  if (!data && size > 0) return GS_ERR_ARGUMENT;
  return players_.broadcast(static_cast<gs_lane>(lane), {static_cast<const std::byte*>(data), size}, except);
}

int GameHost::kick(std::uint32_t player, const char* reason) {
  if (!reason || !valid_reason(reason)) return GS_ERR_ARGUMENT;
  return players_.kick(player, reason);
}

int GameHost::player_stats(std::uint32_t player, gs_player_stats* out) {
  if (!out) return GS_ERR_ARGUMENT;
  gs_player_stats stats{};
  int result = players_.stats(player, stats);
  if (result == GS_OK) *out = stats;
  return result;
}

std::uint64_t GameHost::timer_start(std::uint32_t delay_ms, std::uint32_t repeat_ms, void* user) {
  if (!running_ || timers_.size() >= kMaxGameTimers) return 0;
  std::uint64_t id = next_timer_++;
  timers_.emplace(id, Timer{0, repeat_ms, user});
  arm(id, clock_ms_() + delay_ms);
  return id;
}

int GameHost::timer_cancel(std::uint64_t timer) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return GS_ERR_ARGUMENT;
  queue_.erase({it->second.due, timer});
  timers_.erase(it);
  return GS_OK;
}

void GameHost::log(int level, const char* message) {
  log_->log(log_level(level), "game={}: {}", module_.name, log_text(message));
}

int GameHost::metric(const char* name, double value, bool counter) {
  if (!name || !valid_metric_name(name) || !std::isfinite(value) || (counter && value < 0))
    return GS_ERR_ARGUMENT;
  auto it = metrics_.find(std::string_view(name));
  if (it == metrics_.end()) {
    if (metrics_.size() >= kMaxGameMetrics) return GS_ERR_ARGUMENT;
    it = metrics_.emplace(name, Metric{counter, 0}).first;
  }
  if (it->second.counter != counter) return GS_ERR_ARGUMENT;
  it->second.value = counter ? it->second.value + value : value;
  return GS_OK;
}

const char* GameHost::setting(const char* key) const {
  if (!key) return nullptr;
  auto it = setting_index_.find(std::string_view(key));
  return it == setting_index_.end() ? nullptr : settings_[it->second].value.c_str();
}

void GameHost::collect(admin::MetricsWriter& out) const {
  admin::Labels game{{"game", module_.name}};
  for (const auto& [name, m] : metrics_) {
    if (m.counter) {
      out.counter("gameserver_game_" + name + "_total", "A counter of the game module", m.value, game);
    } else {
      out.gauge("gameserver_game_" + name, "A gauge of the game module", m.value, game);
    }
  }
  for (const auto& [callback, count] : callback_errors_)
    out.counter("gameserver_game_callback_errors_total", "Game module callbacks that returned an error",
                static_cast<double>(count), {{"game", module_.name}, {"callback", callback}});
}

}  // namespace gs::game
