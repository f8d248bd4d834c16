#pragma once
// The one interface every role implements, and what a role is given to run.
// A role is built from its typed config section and this context; it never
// reaches for globals and never depends on another role.

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <asio/io_context.hpp>

#include "common/impairment.hpp"
#include "common/worker_pool.hpp"
#include "config/config.hpp"

namespace gs {

struct RoleContext {
  asio::io_context& io;                 // the one event loop; all role code runs on it
  std::shared_ptr<spdlog::logger> log;  // named after the role
  WorkerPool& workers;                  // CPU-heavy work, results posted back to `io`
  // Impairment of every datagram the role sends (Runtime::impair; tests and bench):
  // roles pass it to each transport::Host they make. Inactive by default.
  impair::Settings impairment{};
  std::uint64_t impairment_seed = 1;
};

class Role {
 public:
  virtual ~Role() = default;
  virtual std::string_view name() const = 0;
  // Binds sockets and arms timers. Throws StartError when it cannot.
  virtual void start() = 0;
  // Begins a graceful stop and calls `done` on the event loop once finished.
  virtual void stop(std::function<void()> done) = 0;
  // Key rotation (SIGHUP), on the event loop: re-reads the key, certificate and secret
  // files that `fresh` names and swaps them in for new handshakes, link
  // authentications and tokens; established connections stay. All or nothing: when a
  // file is missing or bad, logs why, keeps everything in use and returns false.
  virtual bool reload(const config::Config& fresh) {
    (void)fresh;
    return true;
  }
};

// Start-up failure of a role, e.g. "gateway: cannot listen on 127.0.0.1:7000: Address already in use".
class StartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gs
