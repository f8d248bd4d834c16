#pragma once
// Runs a set of roles on one event loop until a signal or stop request: builds
// them from the role table, starts them in order, stops them in reverse order.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "common/event_loop.hpp"
#include "common/worker_pool.hpp"
#include "config/config.hpp"
#include "runtime/role.hpp"

namespace gs {

// Builds a role by name from the config; nullptr for an unknown name.
using RoleFactory =
    std::function<std::unique_ptr<Role>(std::string_view name, const config::Config&, RoleContext&)>;

class Runtime {
 public:
  // Roles run in the order of `roles`.
  Runtime(const config::Config& config, std::vector<std::string> roles, RoleFactory factory);
  ~Runtime();

  // Starts the roles and runs the loop until stopped. Returns when every role has
  // stopped. Throws StartError if a role fails to start (the ones already started
  // are stopped first). With `handle_signals`, SIGINT/SIGTERM begin a graceful stop
  // and a second signal exits the process at once; SIGHUP reloads (on_reload).
  void run(bool handle_signals);

  // Thread-safe: begins a graceful stop.
  void request_stop();

  // Reads the config again for a reload; nullopt when it cannot (having said why).
  using ConfigReader = std::function<std::optional<config::Config>()>;
  // With `handle_signals`, SIGHUP calls `read` and reloads the roles' keys,
  // certificates and secrets from what it returns (see Role::reload).
  void on_reload(ConfigReader read) { reload_reader_ = std::move(read); }
  // Thread-safe: reloads the roles' keys, certificates and secrets from `fresh`.
  void request_reload(config::Config fresh);

  // Before run(): every datagram the roles send passes through this impairment
  // (net::UdpOptions::impairment). For tests and `gameserver bench`, not a config key.
  void impair(const impair::Settings& settings, std::uint64_t seed) {
    impairment_ = settings;
    impairment_seed_ = seed;
  }

  // Called on the loop once every role has started (tests wait for it).
  void on_started(std::function<void()> callback) { started_callback_ = std::move(callback); }

  asio::io_context& io() { return io_; }
  // The loop's busy-polling statistics; read them on the loop thread.
  const EventLoop& loop() const { return loop_; }

  // After this long a graceful stop gives up waiting for roles and ends the loop.
  static constexpr std::chrono::seconds stop_grace{3};
  // SIGHUP reloads are at least this far apart; hang-ups in between make one more.
  static constexpr std::chrono::seconds reload_spacing{1};

 private:
  void begin_stop();
  void stop_next();
  void wait_for_signal();
  void schedule_signal_reload();
  void reload(const config::Config& fresh);

  const config::Config& config_;
  std::vector<std::string> role_names_;
  RoleFactory factory_;
  asio::io_context io_;
  EventLoop loop_;
  WorkerPool workers_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<Role>> roles_;
  std::size_t started_ = 0;
  bool stopping_ = false;
  std::unique_ptr<asio::signal_set> signals_;
  asio::steady_timer grace_timer_;
  asio::steady_timer reload_timer_;
  bool reload_due_ = false;
  std::chrono::steady_clock::time_point last_signal_reload_{};
  std::function<void()> started_callback_;
  ConfigReader reload_reader_;
  impair::Settings impairment_{};
  std::uint64_t impairment_seed_ = 1;
};

}  // namespace gs
