#include "support/running_roles.hpp"

#include <future>

#include "admin/runtime_metrics.hpp"
#include "common/log.hpp"
#include "roles/registry.hpp"

namespace gs::test {

RunningRoles::RunningRoles(const config::Config& config, std::vector<std::string> roles)
    : RunningRoles(config, std::move(roles), gs::roles::make_role) {
  start();
}

RunningRoles::RunningRoles(const config::Config& config, std::vector<std::string> roles,
                           const impair::Settings& impairment, std::uint64_t seed)
    : RunningRoles(config, std::move(roles), gs::roles::make_role) {
  runtime.impair(impairment, seed);
  start();
}

RunningRoles::RunningRoles(const config::Config& config, std::vector<std::string> roles, RoleFactory factory)
    : runtime(config, std::move(roles), std::move(factory)) {}

RunningRoles::~RunningRoles() { stop(); }

void RunningRoles::start() {
  std::promise<void> started;
  runtime.on_started([&] { started.set_value(); });
  thread_ = std::thread([this] { runtime.run(false); });
  started.get_future().wait();
}

void RunningRoles::stop() {
  if (!thread_.joinable()) return;
  runtime.request_stop();
  thread_.join();
}

RunningRolesWithAdmin::RunningRolesWithAdmin(const config::Config& config, std::vector<std::string> roles)
    : RunningRoles(config, std::move(roles),
                   [this](std::string_view name, const config::Config& c, RoleContext& context) {
                     auto role = gs::roles::make_role(name, c, context);
                     if (role) admin.add(*role);
                     return role;
                   }),
      admin(runtime.io(), make_logger("admin", spdlog::level::warn, LogFormat::text)) {
  admin::add_runtime_metrics(admin, runtime);
  admin.start({"127.0.0.1", 0});
  start();
}

RunningRolesWithAdmin::~RunningRolesWithAdmin() {
  // The loop stops before the admin endpoint its roles report to.
  stop();
  admin.stop();
}

}  // namespace gs::test
