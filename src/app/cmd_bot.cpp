// `gameserver bot`: N simulated players (PREFIX1..PREFIXN) from one process and one
// event loop. Each logs in, joins the world, then moves and chats until the run ends.
// Logins start at a bounded, self-adjusting concurrency so that a thousand bots do
// not stampede the gateway and auth; a progress line goes to stderr every second and a
// summary (or, with --json, one JSON object) ends the output.

#include <algorithm>
#include <cmath>
#include <csignal>
#include <deque>
#include <iostream>
#include <map>
#include <numbers>
#include <random>

#include <fmt/format.h>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "app/auth_setup.hpp"
#include "app/commands.hpp"
#include "client/client.hpp"
#include "crypto/secret.hpp"

namespace gs::app {
namespace {

using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct BotCommandOptions {
  std::optional<std::filesystem::path> config;
  std::string gateway;
  std::string prefix;
  std::uint32_t count = 0;
  bool password_stdin = false;
  double duration = 0;  // seconds, from the first login to the end of the run
  std::string ca;
  std::string server_name;
  bool insecure = false;
  bool json = false;
  std::uint32_t concurrency = 8;  // logins in flight at most
  std::uint32_t retries = 8;      // attempts after a `busy` answer, per bot
  double input_rate = 4;          // movement inputs per second, per bot
  double chat_interval = 15;      // mean seconds between one bot's chat lines; 0 = never
};

double seconds_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Percentiles of positive values (milliseconds) in buckets 1% wide, from 1 us to
// about 400 s: constant memory however long the run.
class Histogram {
 public:
  void add(double ms) {
    double us = std::max(ms * 1000.0, 1.0);
    auto bucket = static_cast<std::size_t>(std::log(us) / std::log(growth));
    ++counts_[std::min(bucket, counts_.size() - 1)];
    ++total_;
  }
  std::uint64_t count() const { return total_; }
  // The value below which a fraction `p` (0..1) of the samples fall, 0 without samples.
  double percentile(double p) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total_)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      // The bucket's middle, in milliseconds.
      if (seen >= rank) return std::pow(growth, static_cast<double>(i) + 0.5) / 1000.0;
    }
    return 0;
  }

 private:
  static constexpr double growth = 1.01;
  std::array<std::uint64_t, 2000> counts_{};
  std::uint64_t total_ = 0;
};

double round2(double v) { return std::round(v * 100) / 100; }

struct Bot {
  enum class State { queued, backoff, logging_in, in_world, failed, left };

  Bot(asio::io_context& io, std::uint32_t i, std::string n)
      : index(i), name(std::move(n)), timer(io), rng(i) {}

  std::uint32_t index;
  std::string name;
  std::unique_ptr<client::Client> client;
  asio::steady_timer timer;  // busy backoff, then movement and chat
  std::minstd_rand rng;
  State state = State::queued;
  std::uint32_t attempts = 0;
  double heading = 0;  // radians
  Steady::time_point joined_at{};
  Steady::time_point last_snapshot_at{};
  std::uint32_t first_tick = 0, last_tick = 0;
  Steady::time_point first_tick_at{}, last_tick_at{};
  std::uint64_t snapshots = 0;
  client::TrafficStats traffic;  // taken when the run ends
};

class BotRun {
 public:
  BotRun(asio::io_context& io, client::ClientOptions options, const BotCommandOptions& o,
         std::string password)
      : io_(io),
        options_(std::move(options)),
        o_(o),
        password_(std::move(password)),
        deadline_timer_(io),
        progress_timer_(io),
        grace_timer_(io),
        signals_(io, SIGINT, SIGTERM),
        window_(std::min<double>(o.concurrency, 4)) {
    bots_.reserve(o.count);
    for (std::uint32_t i = 1; i <= o.count; ++i) {
      bots_.push_back(std::make_unique<Bot>(io, i, o.prefix + std::to_string(i)));
      queue_.push_back(bots_.back().get());
    }
  }
  ~BotRun() { crypto::wipe(password_); }

  void start() {
    start_ = Steady::now();
    deadline_timer_.expires_after(
        std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(o_.duration)));
    deadline_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) end();
    });
    signals_.async_wait([this](const asio::error_code& ec, int) {
      if (!ec) end();
    });
    arm_progress();
    pump();
  }

  nlohmann::json summary() const;
  void print_summary(std::ostream& out) const;
  int exit_code() const;

 private:
  void pump() {
    while (!ended_ && !queue_.empty() && in_flight_ < static_cast<std::uint32_t>(window_)) {
      Bot* bot = queue_.front();
      queue_.pop_front();
      begin_login(*bot);
    }
  }

  void begin_login(Bot& bot) {
    ++bot.attempts;
    ++in_flight_;
    bot.state = Bot::State::logging_in;
    bot.client = std::make_unique<client::Client>(io_, options_);
    client::ClientEvents events;
    events.snapshot = [this, &bot](const protocol::Snapshot& s) { on_snapshot(bot, s); };
    events.chat = [this](const protocol::ChatEvent&) { ++chat_received_; };
    events.disconnected = [this, &bot](std::string_view reason) { on_disconnected(bot, reason); };
    bot.client->set_events(std::move(events));
    bot.client->login_and_join(bot.name, password_,
                               [this, &bot](const client::FlowResult& r) { on_flow(bot, r); });
  }

  void on_flow(Bot& bot, const client::FlowResult& r) {
    if (bot.state != Bot::State::logging_in) return;
    --in_flight_;
    auto now = Steady::now();
    bool logged_in = r.outcome == client::Outcome::joined || !r.world_id.empty();
    if (logged_in) {
      ++logins_ok_;
      login_ms_.add(r.login_ms);
    }
    if (r.outcome == client::Outcome::joined) {
      join_ms_.add(r.join_ms);
      last_join_at_ = now;
      bot.state = Bot::State::in_world;
      bot.joined_at = now;
      ++joined_;
      grow_window();
      start_moving(bot);
    } else if (r.outcome == client::Outcome::login_failed && r.reason == protocol::reason::busy &&
               bot.attempts <= o_.retries && !ended_) {
      // Auth has every password check slot taken: back off, and start fewer at once.
      ++busy_retries_;
      saw_busy_ = true;
      window_ = std::max(1.0, window_ / 2);
      retire(bot);
      bot.state = Bot::State::backoff;
      auto base = std::min(2000.0, 50.0 * std::pow(2.0, bot.attempts - 1));
      auto jitter = std::uniform_real_distribution<double>(0.5, 1.5)(bot.rng);
      bot.timer.expires_after(std::chrono::microseconds(static_cast<long>(base * jitter * 1000)));
      bot.timer.async_wait([this, &bot](const asio::error_code& ec) {
        if (ec || ended_) return;
        bot.state = Bot::State::queued;
        queue_.push_front(&bot);
        pump();
      });
    } else {
      bot.state = Bot::State::failed;
      ++failures_[failure_reason(r)];
      retire(bot);
    }
    // Starting the next logins from inside this callback is fine: each is a new Client.
    asio::post(io_, [this] { pump(); });
  }

  static std::string failure_reason(const client::FlowResult& r) {
    if (r.outcome == client::Outcome::login_failed) return r.reason.empty() ? "login_failed" : r.reason;
    std::string outcome(client::to_string(r.outcome));
    if (r.outcome == client::Outcome::refused && !r.reason.empty()) return outcome + ":" + r.reason;
    return outcome;
  }

  // Slow start until auth first answers busy, then one more per window of successes.
  void grow_window() {
    window_ += saw_busy_ ? 1.0 / window_ : 1.0;
    window_ = std::min<double>(window_, o_.concurrency);
  }

  // A client that reported its end is freed later: its callback may still be on the stack.
  void retire(Bot& bot) {
    if (!bot.client) return;
    graveyard_.push_back(std::move(bot.client));
    if (graveyard_.size() == 1) asio::post(io_, [this] { graveyard_.clear(); });
  }

  void on_snapshot(Bot& bot, const protocol::Snapshot& s) {
    auto now = Steady::now();
    ++snapshots_;
    if (bot.snapshots++ == 0) {
      bot.first_tick = s.tick;
      bot.first_tick_at = now;
    } else {
      snapshot_interval_ms_.add(
          std::chrono::duration<double, std::milli>(now - bot.last_snapshot_at).count());
    }
    bot.last_snapshot_at = now;
    bot.last_tick = s.tick;
    bot.last_tick_at = now;
  }

  void on_disconnected(Bot& bot, std::string_view reason) {
    if (bot.state != Bot::State::in_world || ended_) return;
    bot.state = Bot::State::left;
    bot.timer.cancel();
    ++disconnects_[std::string(reason)];
  }

  void start_moving(Bot& bot) {
    bot.heading = std::uniform_real_distribution<double>(0, 2 * std::numbers::pi)(bot.rng);
    // A random first delay spreads the bots' inputs over the interval.
    auto period = 1.0 / o_.input_rate;
    arm_move(bot, std::uniform_real_distribution<double>(0, period)(bot.rng));
  }

  void arm_move(Bot& bot, double seconds) {
    bot.timer.expires_after(std::chrono::microseconds(static_cast<long>(seconds * 1e6)));
    bot.timer.async_wait([this, &bot](const asio::error_code& ec) {
      if (ec || ended_ || bot.state != Bot::State::in_world) return;
      move(bot);
      arm_move(bot, 1.0 / o_.input_rate);
    });
  }

  // A random walk: the heading turns up to 45 degrees either way at every input.
  void move(Bot& bot) {
    bot.heading +=
        std::uniform_real_distribution<double>(-std::numbers::pi / 4, std::numbers::pi / 4)(bot.rng);
    auto x = static_cast<std::int32_t>(std::lround(100 * std::cos(bot.heading)));
    auto y = static_cast<std::int32_t>(std::lround(100 * std::sin(bot.heading)));
    if (bot.client->send_input(x, y)) ++inputs_sent_;
    if (o_.chat_interval > 0 &&
        std::uniform_real_distribution<double>(0, 1)(bot.rng) < 1.0 / (o_.input_rate * o_.chat_interval)) {
      if (bot.client->send_chat(
              fmt::format("hello from {} at {:.0f} degrees", bot.name, bot.heading * 180 / std::numbers::pi)))
        ++chat_sent_;
    }
  }

  void sample_rtts() {
    for (auto& bot : bots_)
      if (bot->state == Bot::State::in_world)
        if (double rtt = bot->client->rtt_ms(); rtt > 0) rtt_ms_.add(rtt);
  }

  void arm_progress() {
    progress_timer_.expires_after(1s);
    progress_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec || ended_) return;
      sample_rtts();
      std::uint64_t failed = 0;
      for (const auto& [reason, n] : failures_) failed += n;
      std::cerr << fmt::format(
          "bot: {:.0f}s joined {}/{}, logging in {} (window {:.0f}), failed {}, busy retries {}, snapshots "
          "{}, "
          "rtt p50 {:.2f} ms\n",
          seconds_between(start_, Steady::now()), joined_, bots_.size(), in_flight_, window_, failed,
          busy_retries_, snapshots_, rtt_ms_.percentile(0.5));
      arm_progress();
    });
  }

  // The run is over: count the bots that never got in, let the others leave cleanly.
  void end() {
    if (ended_) return;
    ended_ = true;
    end_at_ = Steady::now();
    deadline_timer_.cancel();
    progress_timer_.cancel();
    signals_.cancel();
    sample_rtts();
    for (auto& bot : bots_) {
      bot->timer.cancel();
      switch (bot->state) {
        case Bot::State::queued:
        case Bot::State::backoff:
          bot->state = Bot::State::failed;
          ++failures_["not_started"];
          break;
        case Bot::State::logging_in:
          // Too late: its result, if one still comes, is not counted.
          bot->state = Bot::State::failed;
          ++failures_["unfinished"];
          retire(*bot);
          break;
        case Bot::State::in_world:
          bot->traffic = bot->client->world_traffic();
          bot->client->close();
          break;
        case Bot::State::failed:
        case Bot::State::left: break;
      }
    }
    // Long enough for the graceful closes to reach the world.
    grace_timer_.expires_after(500ms);
    grace_timer_.async_wait([this](const asio::error_code&) { io_.stop(); });
  }

  asio::io_context& io_;
  client::ClientOptions options_;
  const BotCommandOptions& o_;
  std::string password_;
  std::vector<std::unique_ptr<Bot>> bots_;
  std::deque<Bot*> queue_;
  std::vector<std::unique_ptr<client::Client>> graveyard_;
  asio::steady_timer deadline_timer_, progress_timer_, grace_timer_;
  asio::signal_set signals_;
  double window_;
  bool saw_busy_ = false;
  bool ended_ = false;
  std::uint32_t in_flight_ = 0;
  Steady::time_point start_{}, end_at_{}, last_join_at_{};
  std::uint64_t logins_ok_ = 0, joined_ = 0, busy_retries_ = 0;
  std::uint64_t snapshots_ = 0, inputs_sent_ = 0, chat_sent_ = 0, chat_received_ = 0;
  std::map<std::string, std::uint64_t> failures_, disconnects_;
  Histogram rtt_ms_, login_ms_, join_ms_, snapshot_interval_ms_;
};

nlohmann::json BotRun::summary() const {
  nlohmann::json j;
  j["count"] = bots_.size();
  j["logins_ok"] = logins_ok_;
  j["joined"] = joined_;
  j["failures"] = nlohmann::json::object();
  for (const auto& [reason, n] : failures_) j["failures"][reason] = n;
  j["disconnects"] = nlohmann::json::object();
  for (const auto& [reason, n] : disconnects_) j["disconnects"][reason] = n;
  j["busy_retries"] = busy_retries_;
  // Logins per second: the joined bots over the time from the first login to the last join.
  double join_phase = joined_ ? seconds_between(start_, last_join_at_) : 0;
  j["join_phase_s"] = round2(join_phase);
  j["logins_per_s"] = join_phase > 0 ? round2(static_cast<double>(joined_) / join_phase) : 0.0;
  j["login_ms_p50"] = round2(login_ms_.percentile(0.5));
  j["login_ms_p99"] = round2(login_ms_.percentile(0.99));
  j["join_ms_p50"] = round2(join_ms_.percentile(0.5));
  j["rtt_p50_ms"] = round2(rtt_ms_.percentile(0.5));
  j["rtt_p99_ms"] = round2(rtt_ms_.percentile(0.99));
  j["snapshots"] = snapshots_;
  j["snapshot_interval_p50_ms"] = round2(snapshot_interval_ms_.percentile(0.5));
  j["snapshot_interval_p99_ms"] = round2(snapshot_interval_ms_.percentile(0.99));
  // World ticks per second as seen in the snapshots' tick numbers (median over bots
  // that saw at least a second of them).
  std::vector<double> tick_rates;
  double player_seconds = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  for (const auto& bot : bots_) {
    if (bot->snapshots > 1) {
      double span = seconds_between(bot->first_tick_at, bot->last_tick_at);
      if (span >= 1) tick_rates.push_back(static_cast<double>(bot->last_tick - bot->first_tick) / span);
    }
    if (bot->traffic.packets_received > 0) {
      player_seconds += seconds_between(bot->joined_at, end_at_);
      bytes_in += bot->traffic.bytes_received;
      bytes_out += bot->traffic.bytes_sent;
    }
  }
  double tick_rate = 0;
  if (!tick_rates.empty()) {
    std::nth_element(tick_rates.begin(), tick_rates.begin() + static_cast<long>(tick_rates.size() / 2),
                     tick_rates.end());
    tick_rate = tick_rates[tick_rates.size() / 2];
  }
  j["world_ticks_per_s"] = round2(tick_rate);
  // Channel datagram bytes of the world connections per player and second, each way.
  j["bytes_in_per_player_s"] =
      player_seconds > 0 ? std::round(static_cast<double>(bytes_in) / player_seconds) : 0.0;
  j["bytes_out_per_player_s"] =
      player_seconds > 0 ? std::round(static_cast<double>(bytes_out) / player_seconds) : 0.0;
  j["inputs_sent"] = inputs_sent_;
  j["chat_sent"] = chat_sent_;
  j["chat_received"] = chat_received_;
  j["duration_s"] = round2(seconds_between(start_, end_at_));
  return j;
}

void BotRun::print_summary(std::ostream& out) const {
  auto j = summary();
  out << fmt::format("{} of {} bots joined ({} logins ok) in {:.2f} s: {:.1f} logins/s, {} busy retries\n",
                     joined_, bots_.size(), logins_ok_, j["join_phase_s"].get<double>(),
                     j["logins_per_s"].get<double>(), busy_retries_);
  out << fmt::format("login p50 {:.2f} ms p99 {:.2f} ms; join p50 {:.2f} ms\n",
                     j["login_ms_p50"].get<double>(), j["login_ms_p99"].get<double>(),
                     j["join_ms_p50"].get<double>());
  for (const auto& [reason, n] : failures_) out << fmt::format("failed: {} x{}\n", reason, n);
  for (const auto& [reason, n] : disconnects_) out << fmt::format("disconnected: {} x{}\n", reason, n);
  out << fmt::format("rtt p50 {:.2f} ms p99 {:.2f} ms\n", j["rtt_p50_ms"].get<double>(),
                     j["rtt_p99_ms"].get<double>());
  out << fmt::format("{} snapshots, interval p50 {:.2f} ms p99 {:.2f} ms, world {:.2f} ticks/s\n", snapshots_,
                     j["snapshot_interval_p50_ms"].get<double>(), j["snapshot_interval_p99_ms"].get<double>(),
                     j["world_ticks_per_s"].get<double>());
  out << fmt::format("per player: {} B/s in, {} B/s out; {} inputs, {} chat lines sent, {} received\n",
                     j["bytes_in_per_player_s"].get<double>(), j["bytes_out_per_player_s"].get<double>(),
                     inputs_sent_, chat_sent_, chat_received_);
}

// 0 when every bot joined and stayed; when none joined and all failed alike, the
// `client` command's code for that failure; otherwise 1.
int BotRun::exit_code() const {
  if (joined_ == bots_.size() && disconnects_.empty()) return exit_ok;
  if (joined_ > 0 || failures_.size() != 1) return exit_failure;
  const std::string& reason = failures_.begin()->first;
  if (reason == "bad_credentials") return exit_bad_credentials;
  if (reason == "throttled") return exit_throttled;
  if (reason == "disabled") return exit_disabled;
  if (reason == "unavailable" || reason == "no_world" || reason == "busy" || reason == "internal")
    return exit_unavailable;
  if (reason == "certificate") return exit_certificate;
  if (reason == "unreachable") return exit_unreachable;
  if (reason.starts_with("refused")) return exit_refused;
  return exit_failure;
}

int run_bot(const BotCommandOptions& o) {
  config::Config config = load_config(o.config);
  client::ClientOptions options;
  options.gateway = config.gateway.listen;
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
    std::cerr << "gameserver: bot: --password-stdin is required (passwords never go on the command line)\n";
    return exit_usage;
  }
  std::string password = read_password_stdin();

  asio::io_context io;
  BotRun run(io, options, o, std::move(password));
  if (!o.json)
    std::cout << fmt::format("{} bots ({}1..{}{}) to gateway {} for {} s, at most {} logins at once\n",
                             o.count, o.prefix, o.prefix, o.count, options.gateway.to_string(), o.duration,
                             o.concurrency);
  run.start();
  io.run();
  if (o.json)
    std::cout << run.summary().dump() << "\n";
  else
    run.print_summary(std::cout);
  return run.exit_code();
}

}  // namespace

void add_bot_command(CLI::App& root, Action& action) {
  auto o = std::make_shared<BotCommandOptions>();
  auto* cmd = root.add_subcommand("bot", "simulated players for load tests: log in, join, move and chat");
  cmd->add_option("-c,--config", o->config, "take the gateway address, certificate and game from this config")
      ->check(CLI::ExistingFile);
  cmd->add_option("--gateway", o->gateway, "gateway HOST:PORT (default: the config's gateway.listen)");
  cmd->add_option("--user-prefix", o->prefix, "account names are PREFIX1..PREFIXN (see account add --count)")
      ->required();
  cmd->add_option("--count", o->count, "number of bots")->required()->check(CLI::Range(1u, 100000u));
  cmd->add_flag("--password-stdin", o->password_stdin, "read the bots' one password from standard input")
      ->required();
  cmd->add_option("--duration", o->duration, "seconds the run lasts, logins included")
      ->required()
      ->check(CLI::Range(0.1, 86400.0));
  auto* ca =
      cmd->add_option("--ca", o->ca, "trusted certificate or CA file (default: the config's tls.trust)");
  cmd->add_option("--server-name", o->server_name,
                  "name a CA-issued gateway certificate must carry (default: the host of --gateway)");
  cmd->add_flag("--insecure", o->insecure, "do not check the server certificate (testing only)")
      ->excludes(ca);
  cmd->add_option(
         "--concurrency", o->concurrency,
         "logins in flight at most (default 8: below gateway.max_clients_per_address, 16 by default)")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_option("--busy-retries", o->retries, "attempts after a 'busy' answer per bot (default 8)")
      ->check(CLI::Range(0u, 100u));
  cmd->add_option("--input-rate", o->input_rate, "movement inputs per second per bot (default 4)")
      ->check(CLI::Range(0.1, 60.0));
  cmd->add_option("--chat-interval", o->chat_interval,
                  "mean seconds between chat lines per bot; 0 = silent (default 15)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_flag("--json", o->json,
                "end with one JSON object: count, logins_ok, joined, failures, logins_per_s, rtt_p50_ms, "
                "rtt_p99_ms, snapshots and more");
  cmd->footer(
      "Progress goes to stderr once a second. Logins start a few at a time; each 'busy' answer from auth\n"
      "halves the number in flight and the bot tries again after a backoff. Every bot comes from this\n"
      "host's address: the server's gateway.max_clients_per_address must exceed --concurrency.\n"
      "Ctrl-C ends the run early; the summary follows as usual.\n"
      "Exit status: 0 every bot joined and stayed to the end; 1 some bots failed or were disconnected\n"
      "(counted by reason in the summary); 2 bad usage or config; when no bot joined and all failed for\n"
      "one reason, the code `client` uses for it: 10 bad credentials, 11 throttled, 12 account disabled,\n"
      "13 service unavailable (no auth link, no world with room, busy), 14 certificate not trusted,\n"
      "15 server unreachable, 16 refused by the server (version, game, token, world full).\n");
  cmd->callback([&action, o] { action = [o] { return run_bot(*o); }; });
}

}  // namespace gs::app
