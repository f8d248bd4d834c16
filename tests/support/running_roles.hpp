#pragma once
// Roles of a test deployment running in the test process, on a thread of their own.

#include <string>
#include <thread>
#include <vector>

#include "admin/admin_server.hpp"
#include "config/config.hpp"
#include "runtime/runtime.hpp"

namespace gs::test {

// Runs the roles of `config` on a thread until destroyed.
class RunningRoles {
 public:
  RunningRoles(const config::Config& config, std::vector<std::string> roles);
  // The same with every datagram the roles send impaired (Runtime::impair).
  RunningRoles(const config::Config& config, std::vector<std::string> roles,
               const impair::Settings& impairment, std::uint64_t seed);
  ~RunningRoles();
  RunningRoles(const RunningRoles&) = delete;
  RunningRoles& operator=(const RunningRoles&) = delete;

  Runtime runtime;

 protected:
  // Roles made by `factory`; the loop starts with start().
  RunningRoles(const config::Config& config, std::vector<std::string> roles, RoleFactory factory);
  // Runs the loop on the thread; returns once the roles have started.
  void start();
  // Stops the loop and joins the thread (once).
  void stop();

 private:
  std::thread thread_;
};

// Roles of `config` on their own loop thread, with an admin endpoint on a free port.
struct RunningRolesWithAdmin : RunningRoles {
  RunningRolesWithAdmin(const config::Config& config, std::vector<std::string> roles);
  ~RunningRolesWithAdmin();

  admin::AdminServer admin;
};

}  // namespace gs::test
