// gameserver: one executable, pluggable roles. See README.md.

#include <iostream>

#include "app/commands.hpp"
#include "bench/bench.hpp"
#include "config/error.hpp"

namespace {

constexpr const char* description =
    "gameserver: a self-hosted game login and world server.\n"
    "Runs the gateway, auth and world roles named by --role or the config's 'roles:' list,\n"
    "all traffic over DTLS-encrypted UDP.";

constexpr const char* exit_codes =
    "Exit status: 0 success; 1 runtime failure; 2 bad command line or config;\n"
    "3 a role could not start (address in use, name does not resolve).\n";

constexpr const char* signals =
    "Signals while roles run: SIGINT or SIGTERM stops them gracefully (a second one exits\n"
    "at once); SIGHUP re-reads certificates, token keys and link secrets without dropping\n"
    "connections (docs/DEPLOYMENT.md: key rotation).\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace gs::app;
  CLI::App root{description, "gameserver"};
  root.set_version_flag("--version", GS_VERSION);
  root.footer(exit_codes);  // subcommands inherit this one
  root.require_subcommand(0, 1);

  Action action;
  add_run_options(root, action);
  add_check_config_command(root, action);
  add_account_command(root, action);
  add_token_command(root, action);
  add_keygen_command(root, action);
  add_client_command(root, action);
  add_bot_command(root, action);
  gs::bench::add_bench_command(root, action);
  // Only running roles handle signals, so only the top-level help names them.
  root.footer(std::string(exit_codes) + signals);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = root.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }
  try {
    return action();
  } catch (const gs::config::ConfigError& e) {
    std::cerr << "gameserver: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "gameserver: " << e.what() << "\n";
    return exit_failure;
  }
}
