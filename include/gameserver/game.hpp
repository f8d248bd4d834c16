// gameserver game modules in C++: a header-only layer over the C ABI of game.h.
//
//   class Arena : public gs::game::Game {
//    public:
//     explicit Arena(gs::game::Host& host) : Game(host) {}
//     void on_message(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) override;
//     ...
//   };
//   GS_GAME_MODULE(Arena, "arena", "1.0.0")
//
// The constructor is the module's start: it reads its settings from host().setting() and
// throws to refuse to start (the world exits 3 with the exception's text). Every other
// callback may throw too: the exception is caught at the boundary, logged as the game's
// error and counted as a failed callback, and the world carries on. Nothing of C++
// (exceptions, classes, the standard library's types) crosses the C ABI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gameserver/game.h"

namespace gs::game {

// The world, for the module: valid from the game's constructor until its destructor ends.
class Host {
 public:
  Host(gs_host* host, const gs_host_api* api) : host_(host), api_(api) {}

  gs_result send(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) {
    return static_cast<gs_result>(api_->send(host_, player, lane, data.data(), data.size()));
  }
  gs_result broadcast(gs_lane lane, std::span<const std::byte> data, std::uint32_t except = 0) {
    return static_cast<gs_result>(api_->broadcast(host_, lane, data.data(), data.size(), except));
  }
  gs_result kick(std::uint32_t player, const std::string& reason) {
    return static_cast<gs_result>(api_->kick(host_, player, reason.c_str()));
  }
  std::optional<gs_player_stats> stats(std::uint32_t player) {
    gs_player_stats out{};
    if (api_->player_stats(host_, player, &out) != GS_OK) return std::nullopt;
    return out;
  }
  // 0 on error (see gs_host_api.timer_start).
  std::uint64_t start_timer(std::uint32_t delay_ms, std::uint32_t repeat_ms = 0, void* user = nullptr) {
    return api_->timer_start(host_, delay_ms, repeat_ms, user);
  }
  void cancel_timer(std::uint64_t timer) { api_->timer_cancel(host_, timer); }
  void log(gs_log_level level, const std::string& message) { api_->log(host_, level, message.c_str()); }
  void count(const std::string& name, double by = 1) { api_->counter_add(host_, name.c_str(), by); }
  void gauge(const std::string& name, double value) { api_->gauge_set(host_, name.c_str(), value); }
  std::optional<std::string> setting(const std::string& key) const {
    const char* value = api_->setting(host_, key.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  }
  // The setting as a whole number, `fallback` when absent; throws std::invalid_argument
  // naming the key when it is present but not a number.
  long long setting_int(const std::string& key, long long fallback) const {
    auto text = setting(key);
    if (!text) return fallback;
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(*text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text->size())
      throw std::invalid_argument("world.game.settings." + key + ": expected a whole number, found \"" +
                                  *text + "\"");
    return value;
  }
  std::uint64_t now_ms() const { return api_->now_ms(host_); }
  const gs_host_api& api() const { return *api_; }

 private:
  gs_host* host_;
  const gs_host_api* api_;
};

// A game instance. Override what the game needs; the defaults do nothing.
class Game {
 public:
  explicit Game(Host& host) : host_(host) {}
  virtual ~Game() = default;
  Game(const Game&) = delete;
  Game& operator=(const Game&) = delete;

  virtual void on_player_joined(const gs_player& player) { (void)player; }
  virtual void on_player_suspended(std::uint32_t player) { (void)player; }
  virtual void on_player_resumed(std::uint32_t player) { (void)player; }
  virtual void on_player_left(std::uint32_t player, std::string_view reason) { (void)player, (void)reason; }
  virtual void on_message(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) {
    (void)player, (void)lane, (void)data;
  }
  virtual void on_tick(std::uint64_t tick, double dt) { (void)tick, (void)dt; }
  virtual void on_timer(std::uint64_t timer, void* user) { (void)timer, (void)user; }

  Host& host() { return host_; }

 private:
  Host& host_;
};

namespace detail {

// One instance as the C side holds it: the host wrapper and the game.
struct Instance {
  Host host;
  std::unique_ptr<Game> game;
};

inline void copy_error(const char* what, char* error, std::size_t size) {
  if (!error || size == 0) return;
  std::size_t n = 0;
  for (; what[n] && n + 1 < size; ++n) error[n] = what[n];
  error[n] = '\0';
}

// Runs `f` on the instance; an exception becomes an error line and a nonzero result.
template <class F>
int guarded(void* instance, const char* callback, F&& f) {
  auto* self = static_cast<Instance*>(instance);
  try {
    f(*self->game);
    return 0;
  } catch (const std::exception& e) {
    self->host.log(GS_LOG_ERROR, std::string(callback) + ": " + e.what());
  } catch (...) {
    self->host.log(GS_LOG_ERROR, std::string(callback) + ": an exception that is not a std::exception");
  }
  return 1;
}

template <class G>
int start(gs_host* host, const gs_host_api* api, const gs_setting*, std::size_t, void** out, char* error,
          std::size_t error_size) {
  Instance* instance = nullptr;
  try {
    instance = new Instance{Host(host, api), nullptr};
    instance->game = std::make_unique<G>(instance->host);
    *out = instance;
    return 0;
  } catch (const std::exception& e) {
    copy_error(e.what(), error, error_size);
  } catch (...) {
    copy_error("an exception that is not a std::exception", error, error_size);
  }
  delete instance;
  return 1;
}

template <class G>
gs_game_module make_module(const char* name, const char* version) {
  gs_game_module m{};
  m.abi_version = GS_GAME_ABI_VERSION;
  m.size = sizeof(gs_game_module);
  m.name = name;
  m.version = version;
  m.start = &start<G>;
  m.stop = [](void* instance) {
    auto* self = static_cast<Instance*>(instance);
    try {
      self->game.reset();
    } catch (...) {
    }
    delete self;
  };
  m.player_joined = [](void* i, const gs_player* p) {
    return guarded(i, "player_joined", [&](Game& g) { g.on_player_joined(*p); });
  };
  m.player_suspended = [](void* i, std::uint32_t p) {
    return guarded(i, "player_suspended", [&](Game& g) { g.on_player_suspended(p); });
  };
  m.player_resumed = [](void* i, std::uint32_t p) {
    return guarded(i, "player_resumed", [&](Game& g) { g.on_player_resumed(p); });
  };
  m.player_left = [](void* i, std::uint32_t p, const char* reason) {
    return guarded(i, "player_left", [&](Game& g) { g.on_player_left(p, reason); });
  };
  m.message = [](void* i, std::uint32_t p, gs_lane lane, const void* data, std::size_t size) {
    return guarded(i, "message", [&](Game& g) {
      g.on_message(p, lane, {static_cast<const std::byte*>(data), size});
    });
  };
  m.tick = [](void* i, std::uint64_t tick, double dt) {
    return guarded(i, "tick", [&](Game& g) { g.on_tick(tick, dt); });
  };
  m.timer = [](void* i, std::uint64_t timer, void* user) {
    return guarded(i, "timer", [&](Game& g) { g.on_timer(timer, user); });
  };
  return m;
}

}  // namespace detail
}  // namespace gs::game

// Defines the module's entry point for game class G (constructible from gs::game::Host&).
#define GS_GAME_MODULE(G, NAME, VERSION)                                                    \
  extern "C" GS_GAME_EXPORT const gs_game_module* gs_game_module_v1(void) {                 \
    static const gs_game_module module = ::gs::game::detail::make_module<G>(NAME, VERSION); \
    return &module;                                                                         \
  }
