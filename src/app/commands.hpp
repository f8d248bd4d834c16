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
  exit_failure = 1,   // a runtime failure
  exit_usage = 2,     // bad command line or config
  exit_start = 3,     // a role could not start (address in use, unresolvable name)
};

// Loads `file` if given, otherwise the built-in defaults. Throws config::ConfigError.
config::Config load_config(const std::optional<std::filesystem::path>& file);

// The default command: run roles. Sets `action` to run them.
void add_run_options(CLI::App& root, Action& action);
void add_check_config_command(CLI::App& root, Action& action);

}  // namespace gs::app
