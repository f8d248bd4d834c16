#include <csignal>
#include <iostream>

#include <fmt/format.h>

#include "admin/admin_server.hpp"
#include "admin/notify.hpp"
#include "admin/runtime_metrics.hpp"
#include "app/commands.hpp"
#include "common/log.hpp"
#include "config/load.hpp"
#include "roles/common/dev_keys.hpp"
#include "roles/registry.hpp"
#include "runtime/runtime.hpp"

namespace gs::app {
namespace {

struct RunOptions {
  std::optional<std::filesystem::path> config;
  std::vector<std::string> roles;
  std::string log_level;
};

using Logger = std::shared_ptr<spdlog::logger>;

// Run in table order whatever order they were named in: auth before its clients.
std::vector<std::string> in_table_order(const std::vector<std::string>& roles) {
  std::vector<std::string> ordered;
  for (const auto& entry : roles::role_table())
    for (const auto& name : roles)
      if (name == entry.name && std::find(ordered.begin(), ordered.end(), name) == ordered.end())
        ordered.emplace_back(name);
  return ordered;
}

// False if they could not be written (the server must not start).
bool create_development_keys(const config::Config& config, const Logger& log) {
  log->warn(
      "development mode (config 'development: true'): missing keys and secrets are created; "
      "never use this config in production");
  try {
    for (const auto& file : roles::ensure_development_keys(config))
      log->warn("created development key {}", file.string());
  } catch (const std::exception& e) {
    log->error("cannot create development keys: {}", e.what());
    return false;
  }
  return true;
}

// Starts the admin endpoint; said once the roles are up, after their own start-up lines.
void start_admin(admin::AdminServer& admin, Runtime& runtime, const config::Config& config,
                 const Logger& log) {
  admin::add_runtime_metrics(admin, runtime);
  std::string admin_failure;
  try {
    admin.start(config.admin.listen);
  } catch (const std::exception& e) {
    admin_failure = e.what();
  }
  runtime.on_started([&admin, &config, log, admin_failure] {
    admin::notify_service_manager("READY=1");
    if (admin_failure.empty()) {
      log->info("admin endpoint on http://{}/metrics and /healthz",
                Endpoint{config.admin.listen.host, admin.port()}.to_string());
    } else {
      // The roles matter more than their metrics: run on, and say so.
      log->error("{}; running without the metrics and health endpoint", admin_failure);
    }
  });
}

// SIGHUP: the same file again, with the same command-line overrides, so that only
// real edits count as changes.
void reload_on_sighup(Runtime& runtime, const RunOptions& options, const std::vector<std::string>& ordered,
                      const Logger& log) {
  runtime.on_reload([&options, ordered, log]() -> std::optional<config::Config> {
    if (!options.config) {
      log->warn("reload: started without --config, so there is no file to re-read");
      return std::nullopt;
    }
    try {
      auto fresh = config::load_file(*options.config);
      fresh.roles = ordered;
      if (!options.log_level.empty()) fresh.log.level = *parse_log_level(options.log_level);
      return fresh;
    } catch (const std::exception& e) {
      log->error("reload: {}; keeping the keys in use", e.what());
      return std::nullopt;
    }
  });
}

int run(const RunOptions& options) {
  // SIGHUP asks a running server to reload; its default action would end a server that
  // is still reading its config and starting its roles. Ignored until the runtime
  // installs its handler.
  std::signal(SIGHUP, SIG_IGN);
  config::Config config = load_config(options.config);
  if (!options.log_level.empty()) config.log.level = *parse_log_level(options.log_level);
  std::vector<std::string> roles = options.roles.empty() ? config.roles : options.roles;
  if (roles.empty()) {
    std::cerr << "gameserver: nothing to run: pass --config FILE with a 'roles:' list, or --role "
                 "auth|gateway|world\n";
    return exit_usage;
  }
  const std::vector<std::string> ordered = in_table_order(roles);
  config.roles = ordered;
  auto log = make_logger("gameserver", config.log.level, config.log.format);
  if (config.development && !create_development_keys(config, log)) return exit_start;

  // Every role that reports metrics is registered with the admin endpoint as it is built.
  admin::AdminServer* admin_server = nullptr;
  Runtime runtime(config, ordered,
                  [&admin_server](std::string_view name, const config::Config& c, RoleContext& context) {
                    auto role = roles::make_role(name, c, context);
                    if (role && admin_server) admin_server->add(*role);
                    return role;
                  });
  admin::AdminServer admin(runtime.io(), log);
  admin_server = &admin;
  start_admin(admin, runtime, config, log);
  reload_on_sighup(runtime, options, ordered, log);
  try {
    runtime.run(/*handle_signals=*/true);
  } catch (const StartError& e) {
    admin.stop();
    log->error("cannot start: {}", e.what());
    return exit_start;
  }
  admin.stop();
  return exit_ok;
}

}  // namespace

config::Config load_config(const std::optional<std::filesystem::path>& file) {
  if (file) return config::load_file(*file);
  return config::Config{};
}

void add_run_options(CLI::App& root, Action& action) {
  auto options = std::make_shared<RunOptions>();
  std::vector<std::string> role_names;
  for (const auto& entry : roles::role_table()) role_names.emplace_back(entry.name);
  root.add_option("-c,--config", options->config, "YAML config file (see README: config reference)")
      ->check(CLI::ExistingFile);
  root.add_option("-r,--role", options->roles, "role to run, repeatable; overrides the config's 'roles'")
      ->check(CLI::IsMember(role_names));
  root.add_option("--log-level", options->log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  action = [options] { return run(*options); };
}

void add_check_config_command(CLI::App& root, Action& action) {
  auto file = std::make_shared<std::filesystem::path>();
  auto* cmd = root.add_subcommand("check-config", "validate a config file and print the effective config");
  cmd->add_option("-c,--config", *file, "YAML config file")->required();
  cmd->callback([&action, file] {
    action = [file] {
      std::cout << config::to_yaml(config::load_file(*file));
      return static_cast<int>(exit_ok);
    };
  });
}

}  // namespace gs::app
