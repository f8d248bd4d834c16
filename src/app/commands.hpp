#pragma once
// Each subcommand registers itself on the root CLI11 app and, when chosen,
// leaves behind the action that main() runs. Adding a command is one
// add_*_command() and one line in main.cpp.

#include <filesystem>
#include <functional>
#include <optional>

#include <CLI/CLI.hpp>

#include "config/config.hpp"

namespace gs::app {

// What a parsed command will do; returns the process exit status.
using Action = std::function<int()>;

// Exit statuses shared by every command (listed in --help).
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,  // a runtime failure
  exit_usage = 2,    // bad command line or config
  exit_start = 3,    // a role could not start (address in use, unresolvable name)
  // `client` and `bot`:
  exit_bad_credentials = 10,
  exit_throttled = 11,
  exit_disabled = 12,
  exit_unavailable = 13,  // no auth link, no world with room, busy, internal
  exit_certificate = 14,  // the server's certificate is not trusted
  exit_unreachable = 15,
  exit_refused = 16,  // refused by the server: version, game or token
};

// Loads `file` if given, otherwise the built-in defaults. Throws config::ConfigError.
config::Config load_config(const std::optional<std::filesystem::path>& file);

// The default command: run roles. Sets `action` to run them.
void add_run_options(CLI::App& root, Action& action);
void add_check_config_command(CLI::App& root, Action& action);
void add_client_command(CLI::App& root, Action& action);
void add_bot_command(CLI::App& root, Action& action);      // cmd_bot.cpp
void add_account_command(CLI::App& root, Action& action);  // cmd_account.cpp
void add_token_command(CLI::App& root, Action& action);    // cmd_token.cpp
void add_keygen_command(CLI::App& root, Action& action);   // cmd_keygen.cpp

}  // namespace gs::app
