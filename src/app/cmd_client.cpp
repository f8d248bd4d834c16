// `gameserver client`: one player's whole flow from the command line, each stage
// timed; --json ends with one JSON object.

#include <cmath>
#include <iostream>
#include <variant>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "app/auth_setup.hpp"
#include "app/commands.hpp"
#include "client/client.hpp"

namespace gs::app {
namespace {

struct ClientCommandOptions {
  std::optional<std::filesystem::path> config;
  std::string gateway;
  std::string user;
  bool password_stdin = false;
  std::string ca;
  std::string server_name;
  bool insecure = false;
  double stay = 0;
  bool json = false;
  std::string world;
};

// Exit statuses of `client` and `bot` beyond the shared ones (documented in --help).
int exit_code_for(const client::FlowResult& r) {
  using client::Outcome;
  switch (r.outcome) {
    case Outcome::joined: return exit_ok;
    case Outcome::login_failed:
      if (r.reason == "bad_credentials") return exit_bad_credentials;
      if (r.reason == "throttled") return exit_throttled;
      if (r.reason == "disabled") return exit_disabled;
      return exit_unavailable;  // unavailable, no_world, busy, internal
    case Outcome::certificate: return exit_certificate;
    case Outcome::unreachable: return exit_unreachable;
    case Outcome::refused: return exit_refused;
    case Outcome::disconnected:
    case Outcome::timeout: return exit_failure;
  }
  return exit_failure;
}

// The client's options from the config and the command line; exit_usage when a flag is
// wrong (the message is printed).
std::variant<client::ClientOptions, int> client_options(const ClientCommandOptions& o) {
  config::Config config = load_config(o.config);
  client::ClientOptions options;
  options.gateway = config.gateway.listen;
  // A gateway listening on every address is reached on loopback from the same host.
  if (options.gateway.host == "0.0.0.0") options.gateway.host = "127.0.0.1";
  if (options.gateway.host == "::") options.gateway.host = "::1";
  options.trust = config.tls.trust;
  options.game = config.game;
  options.channel = config.channel;
  if (!o.gateway.empty()) {
    auto endpoint = parse_endpoint(o.gateway);
    if (!endpoint) {
      std::cerr << "gameserver: --gateway: expected HOST:PORT, found '" << o.gateway << "'\n";
      return exit_usage;
    }
    options.gateway = *endpoint;
  }
  if (!o.ca.empty()) options.trust = o.ca;
  options.server_name = o.server_name;
  options.insecure = o.insecure;
  if (options.insecure) std::cerr << "warning: --insecure: the server's certificate is not checked\n";
  if (!o.password_stdin) {
    std::cerr
        << "gameserver: client: --password-stdin is required (passwords never go on the command line)\n";
    return exit_usage;
  }
  return options;
}

// What one flow saw: its result, and once joined the round-trip time, snapshots and resumes.
struct ClientRun {
  client::FlowResult result;
  double rtt = 0;
  std::uint64_t snapshots = 0;
  client::ResumeStats resumes;
  std::string disconnected;  // why the world dropped us while we stayed, if it did
};

// Snapshots are counted; resuming and other players' status are printed as they happen.
client::ClientEvents stay_events(const ClientCommandOptions& o, ClientRun& run) {
  client::ClientEvents events;
  events.snapshot = [&run](const protocol::Snapshot&) { ++run.snapshots; };
  events.disconnected = [&o, &run](std::string_view reason) {
    run.disconnected = reason;
    if (!o.json) std::cout << "disconnected: " << reason << "\n";
  };
  if (o.json) return events;
  events.reconnecting = [](std::uint32_t attempt) {
    std::cout << fmt::format("reconnecting (attempt {})\n", attempt) << std::flush;
  };
  events.resumed = [](double ms) { std::cout << fmt::format("resumed after {:.1f} ms\n", ms) << std::flush; };
  events.status = [](const protocol::PlayerStatus& s) {
    std::cout << fmt::format("player {} {}\n", s.player_id, s.state != 0 ? "suspended" : "active")
              << std::flush;
  };
  return events;
}

ClientRun log_in_and_stay(const ClientCommandOptions& o, const client::ClientOptions& options,
                          std::string password) {
  asio::io_context io;
  ClientRun run;  // before the player: its events may write here until it is gone
  client::Client player(io, options);
  player.set_events(stay_events(o, run));
  asio::steady_timer stay(io);
  if (!o.json) std::cout << "connecting to gateway " << options.gateway.to_string() << "\n";
  player.login_and_join(
      o.user, std::move(password),
      [&](const client::FlowResult& r) {
        run.result = r;
        if (r.outcome != client::Outcome::joined) return io.stop();
        if (!o.json) {
          std::cout << fmt::format("login ok in {:.1f} ms: world {} at {}\n", r.login_ms, r.world_id,
                                   r.world_address);
          std::cout << fmt::format("joined {} as player {} in {:.1f} ms\n", r.world_id, r.player_id,
                                   r.join_ms);
        }
        player.send_input(0, 0);
        // Stay at least a moment so the round-trip time has a sample.
        stay.expires_after(std::chrono::milliseconds(std::max<long>(200, static_cast<long>(o.stay * 1000))));
        stay.async_wait([&](const asio::error_code&) {
          run.rtt = player.rtt_ms();
          run.resumes = player.resume_stats();
          player.close();
          io.stop();
        });
      },
      o.world);
  io.run();
  return run;
}

void print_json(const ClientRun& run) {
  const auto& result = run.result;
  const bool joined = result.outcome == client::Outcome::joined;
  nlohmann::json j;
  bool logged_in = joined || !result.world_id.empty();
  j["login"] = logged_in ? "ok" : "failed";
  if (!logged_in)
    j["reason"] = result.reason.empty() ? std::string(client::to_string(result.outcome)) : result.reason;
  if (!result.world_id.empty()) j["world"] = result.world_id;
  j["joined"] = joined;
  if (!joined && logged_in) j["reason"] = result.reason;
  if (joined) {
    j["rtt_ms"] = std::round(run.rtt * 100) / 100;
    j["resumes"] = run.resumes.resumes;
    j["resume_ms_max"] = std::round(run.resumes.max_ms * 100) / 100;
  }
  std::cout << j.dump() << "\n";
}

int run_client(const ClientCommandOptions& o) {
  auto options = client_options(o);
  if (const int* refused = std::get_if<int>(&options)) return *refused;
  const ClientRun run = log_in_and_stay(o, std::get<client::ClientOptions>(options), read_password_stdin());
  if (o.json) {
    print_json(run);
  } else if (run.result.outcome == client::Outcome::joined) {
    std::cout << fmt::format("rtt {:.2f} ms, {} snapshots, {} resumes\n", run.rtt, run.snapshots,
                             run.resumes.resumes);
  } else {
    std::cout << fmt::format("{}: {}\n", client::to_string(run.result.outcome), run.result.reason);
  }
  return exit_code_for(run.result);
}

}  // namespace

void add_client_command(CLI::App& root, Action& action) {
  auto o = std::make_shared<ClientCommandOptions>();
  auto* cmd = root.add_subcommand("client", "log in through a gateway and join the world, as a player would");
  cmd->add_option("-c,--config", o->config, "take the gateway address, certificate and game from this config")
      ->check(CLI::ExistingFile);
  cmd->add_option("--gateway", o->gateway, "gateway HOST:PORT (default: the config's gateway.listen)");
  cmd->add_option("--user", o->user, "account name")->required();
  cmd->add_flag("--password-stdin", o->password_stdin, "read the password from standard input")->required();
  auto* ca =
      cmd->add_option("--ca", o->ca, "trusted certificate or CA file (default: the config's tls.trust)");
  cmd->add_option("--server-name", o->server_name,
                  "name a CA-issued gateway certificate must carry (default: the host of --gateway)");
  cmd->add_flag("--insecure", o->insecure, "do not check the server certificate (testing only)")
      ->excludes(ca);
  cmd->add_option("--stay", o->stay, "seconds to stay in the world after joining")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--world", o->world, "preferred world id");
  cmd->add_flag("--json", o->json,
                "end with one JSON object: login, reason, world, joined, rtt_ms, resumes, resume_ms_max");
  cmd->footer(
      "Exit status: 0 joined; 1 disconnected or timed out; 2 bad usage or config; 10 bad credentials;\n"
      "11 throttled; 12 account disabled; 13 service unavailable (no auth link, no world with room, busy);\n"
      "14 certificate not trusted; 15 server unreachable; 16 refused by the server (version, game, "
      "token).\n");
  cmd->callback([&action, o] { action = [o] { return run_client(*o); }; });
}

}  // namespace gs::app
