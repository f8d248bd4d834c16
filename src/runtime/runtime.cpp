#include "runtime/runtime.hpp"

#include <unistd.h>
#include <csignal>
#include <cstdlib>

#include <fmt/format.h>
#include <asio/post.hpp>

#include "common/log.hpp"
#include "config/reload.hpp"
#include "dtls/types.hpp"

namespace gs {

Runtime::Runtime(const config::Config& config, std::vector<std::string> roles, RoleFactory factory)
    : config_(config),
      role_names_(std::move(roles)),
      factory_(std::move(factory)),
      loop_(io_, config.event_loop.busy_poll),
      workers_(config.workers.threads),
      log_(make_logger("gameserver", config.log.level, config.log.format)),
      grace_timer_(io_),
      reload_timer_(io_) {}

Runtime::~Runtime() {
  roles_.clear();
  workers_.stop();
}

void Runtime::run(bool handle_signals) {
  for (const auto& name : role_names_) {
    RoleContext context{io_, make_logger(name, config_.log.level, config_.log.format), workers_, impairment_,
                        impairment_seed_};
    auto role = factory_(name, config_, context);
    if (!role) throw StartError(fmt::format("unknown role '{}'", name));
    roles_.push_back(std::move(role));
  }
  if (handle_signals) {
    signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
    wait_for_signal();
  }
  try {
    for (auto& role : roles_) {
      role->start();
      ++started_;
    }
  } catch (const StartError&) {
    // Stop what did start, quietly, before reporting the failure.
    stopping_ = true;
    while (started_ > 0) {
      roles_[--started_]->stop([] {});
    }
    signals_.reset();
    io_.restart();
    io_.poll();
    throw;
  }
  log_->info("started {} role(s): {}", roles_.size(), fmt::join(role_names_, ", "));
  if (started_callback_) asio::post(io_, started_callback_);
  loop_.run();
  // wolfSSL keeps per-thread ECC caches; free them here, since the loop may run on a
  // thread that is about to end (tests, embedders), which would leak them otherwise.
  dtls::release_thread_caches();
  log_->info("stopped");
}

void Runtime::wait_for_signal() {
  signals_->async_wait([this](const asio::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      // Key rotation, never a stop.
      if (!stopping_) schedule_signal_reload();
      return wait_for_signal();
    }
    if (stopping_) {
      // Second signal: the operator wants out now.
      log_->warn("signal {} again: exiting at once", signal);
      std::_Exit(1);
    }
    log_->info("signal {}: stopping gracefully (send it again to exit at once)", signal);
    begin_stop();
    wait_for_signal();
  });
}

void Runtime::schedule_signal_reload() {
  // Hang-ups that arrive while one reload is due are merged into it, and reloads are
  // at least reload_spacing apart: a burst of signals costs one reload, and a stop
  // requested after it is not queued behind thousands of them.
  if (reload_due_) return;
  reload_due_ = true;
  reload_timer_.expires_at(std::max(std::chrono::steady_clock::now(), last_signal_reload_ + reload_spacing));
  reload_timer_.async_wait([this](const asio::error_code& ec) {
    reload_due_ = false;
    if (ec || stopping_) return;
    last_signal_reload_ = std::chrono::steady_clock::now();
    log_->info("signal {}: reloading keys, certificates and secrets", SIGHUP);
    if (!reload_reader_) {
      log_->warn("nothing to reload from: no config file");
    } else if (auto fresh = reload_reader_()) {
      reload(*fresh);
    }
  });
}

void Runtime::request_reload(config::Config fresh) {
  asio::post(io_, [this, fresh = std::make_shared<config::Config>(std::move(fresh))] {
    if (!stopping_) reload(*fresh);
  });
}

void Runtime::reload(const config::Config& fresh) {
  for (const auto& key : config::changes_needing_restart(config_, fresh))
    log_->warn("reload: {} changed, which takes a restart; the running value stays", key);
  std::size_t failed = 0;
  for (std::size_t i = 0; i < started_; ++i)
    if (!roles_[i]->reload(fresh)) ++failed;
  if (failed)
    log_->error("reload: {} of {} role(s) kept their keys in use (see above)", failed, started_);
  else
    log_->info("reload: keys, certificates and secrets re-read by {} role(s)", started_);
}

void Runtime::request_stop() {
  asio::post(io_, [this] { begin_stop(); });
}

void Runtime::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  grace_timer_.expires_after(stop_grace);
  grace_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    log_->warn("roles did not stop within {}s; ending anyway", stop_grace.count());
    io_.stop();
  });
  stop_next();
}

// Stops roles one at a time in reverse start order; each `done` moves to the next.
void Runtime::stop_next() {
  if (started_ == 0) {
    grace_timer_.cancel();
    reload_timer_.cancel();
    if (signals_) signals_->cancel();
    // Handlers that roles left behind (closed sockets) drain; then the loop ends.
    asio::post(io_, [this] { io_.stop(); });
    return;
  }
  Role& role = *roles_[--started_];
  role.stop([this, name = std::string(role.name())] {
    log_->info("{} stopped", name);
    asio::post(io_, [this] { stop_next(); });
  });
}

}  // namespace gs
