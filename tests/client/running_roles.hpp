#pragma once
// Helpers for the client tests: roles of a test deployment running on a thread,
// and accounts added straight to its account store (SQLite or PostgreSQL).

#include <future>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "registry.hpp"
#include "runtime/runtime.hpp"
#include "store/open_account_store.hpp"
#include "store/password_hash.hpp"

namespace gs::test {

// Runs the roles of `config` on a thread until destroyed.
struct RunningRoles {
  gs::Runtime runtime;
  std::thread thread;
  RunningRoles(const gs::config::Config& config, std::vector<std::string> roles)
      : runtime(config, std::move(roles), gs::roles::make_role) {
    std::promise<void> started;
    runtime.on_started([&] { started.set_value(); });
    thread = std::thread([this] { runtime.run(false); });
    started.get_future().wait();
  }
  ~RunningRoles() {
    runtime.request_stop();
    thread.join();
  }
  RunningRoles(const RunningRoles&) = delete;
  RunningRoles& operator=(const RunningRoles&) = delete;
};

inline void add_account(const gs::config::Config& config, const std::string& name, const std::string& password) {
  auto accounts = gs::store::open_account_store(config.auth);
  gs::store::password_hasher hasher(
      {config.auth.password_ops_limit, static_cast<std::size_t>(config.auth.password_memory)});
  REQUIRE(accounts->add(name, *hasher.hash(password),
                       std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())) ==
          gs::store::store_status::ok);
}

}  // namespace gs::test
