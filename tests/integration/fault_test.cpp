// Faults with one role per process: auth killed with SIGKILL while players log in and
// a `gameserver bot` run starts (logins answer `unavailable`, the gateway links again
// within 2 s of auth's return, logins and bots resume, the account database passes
// `PRAGMA integrity_check`), and the world
// killed under a joined player (who is told, with a reason, and gets in again once
// the world is back).
//
// The channel and link timeouts are 2 s here: a peer killed without a word is noticed
// after that much silence (10 s and 3 s by default).

#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

#include <sqlite3.h>
#include <asio/steady_timer.hpp>

#include "../client/bot_support.hpp"
#include "client/client.hpp"
#include "dtls/types.hpp"
#include "flood_support.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using gs::client::Outcome;
using gs::test::Process;
using Clock = std::chrono::steady_clock;

namespace {

// A role as a process, with an admin endpoint.
std::unique_ptr<Process> start_process(gs::test::Deployment& d, const std::string& role) {
  return gs::test::start_role(d, role, /*admin_endpoint=*/true);
}

gs::test::Deployment& with_accounts(gs::test::Deployment& d) {
  d.config.channel.timeout = std::chrono::seconds(2);
  d.config.channel.link_timeout = std::chrono::seconds(2);
  auto config = d.write_config().string();
  auto [added, add_output] =
      gs::test::run({"account", "add", "alice", "--password-stdin", "--config", config}, "correct horse");
  REQUIRE_MESSAGE(added == 0, add_output);
  auto [bots_added, bots_output] = gs::test::run(
      {"account", "add", "bot", "--count", "20", "--password-stdin", "--config", config}, "bot password");
  REQUIRE_MESSAGE(bots_added == 0, bots_output);
  return d;
}

gs::client::ClientOptions client_options(const gs::config::Config& config) {
  auto options = gs::test::client_options(config);
  options.channel = config.channel;
  return options;
}

gs::client::FlowResult login_once(const gs::client::ClientOptions& options) {
  return gs::test::login_once(options, "alice", "correct horse");
}

gs::client::FlowResult login_when_ready(const gs::client::ClientOptions& options) {
  return gs::test::login_when_ready(options, "alice", "correct horse", 15s);
}

// auth, gateway and world of `d` as processes, the gateway linked to auth, and a first
// login through them.
struct Processes {
  std::unique_ptr<Process> auth, gateway, world;
};
Processes start_linked(gs::test::Deployment& d) {
  Processes p{start_process(d, "auth"), start_process(d, "gateway"), start_process(d, "world")};
  REQUIRE(p.gateway->wait_for("linked to auth", 10s));
  REQUIRE(login_when_ready(client_options(d.config)).outcome == Outcome::joined);
  return p;
}

std::string integrity_check(const std::filesystem::path& database) {
  sqlite3* db = nullptr;
  std::string answer;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (!answer.empty()) answer += '\n';
        answer += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      }
      sqlite3_finalize(stmt);
    }
  } else {
    answer = sqlite3_errmsg(db);
  }
  sqlite3_close(db);
  return answer;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Logs in over and over on a thread of its own, remembering when each attempt ended
// and how.
class LoginLoop {
 public:
  struct Attempt {
    Clock::time_point started, ended;
    gs::client::FlowResult result;
  };
  explicit LoginLoop(gs::client::ClientOptions options)
      : options_(std::move(options)), thread_([this] {
          while (!stop_) {
            Attempt a;
            a.started = Clock::now();
            a.result = login_once(options_);
            a.ended = Clock::now();
            {
              std::lock_guard lock(mutex_);
              attempts_.push_back(a);
            }
            std::this_thread::sleep_for(20ms);
          }
          gs::dtls::release_thread_caches();
        }) {}
  ~LoginLoop() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Attempt> attempts() {
    std::lock_guard lock(mutex_);
    return attempts_;
  }
  // Waits until an attempt that started at or after `since` satisfies `pred`.
  template <typename Pred>
  std::optional<Attempt> wait_for(Clock::time_point since, Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      for (const auto& a : attempts())
        if (a.started >= since && pred(a.result)) return a;
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

 private:
  gs::client::ClientOptions options_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Attempt> attempts_;
  std::thread thread_;
};

// `gameserver bot` with 20 bots for `seconds`: {exit status, JSON summary}.
std::pair<int, nlohmann::json> bot_run(const gs::test::Deployment& d, int seconds) {
  auto [status, output] =
      gs::test::run({"bot", "--config", (d.dir / "gameserver.yaml").string(), "--user-prefix", "bot",
                     "--count", "20", "--password-stdin", "--duration", std::to_string(seconds), "--json"},
                    "bot password", std::chrono::seconds(seconds + 30));
  auto j = gs::test::last_json_line(output);
  INFO(output);
  REQUIRE(j.is_object());
  return {status, j};
}

}  // namespace

TEST_CASE(
    "auth killed with SIGKILL during logins: unavailable at once, links back within 2 s, database intact") {
  gs::test::Deployment d("fault-auth");
  with_accounts(d);
  auto [auth, gateway, world] = start_linked(d);
  auto options = client_options(d.config);

  LoginLoop logins(options);
  auto ok = [](const gs::client::FlowResult& r) { return r.outcome == Outcome::joined; };
  REQUIRE(logins.wait_for(Clock::now(), ok, 10s));

  // SIGKILL: no close_notify, no channel CLOSE; the gateway hears nothing more.
  auth->signal(SIGKILL);
  CHECK(auth->wait(5s) == 128 + SIGKILL);
  const auto killed = Clock::now();
  // A bot run meanwhile: every bot is told `unavailable`, none hangs.
  auto bots_down = std::async(std::launch::async, [&] { return bot_run(d, 3); });
  auto unavailable = logins.wait_for(
      killed, [](const auto& r) { return r.outcome == Outcome::login_failed && r.reason == "unavailable"; },
      10s);
  REQUIRE(unavailable);
  const double to_unavailable = std::chrono::duration<double>(unavailable->ended - killed).count();
  MESSAGE("first `unavailable` answer " << to_unavailable << " s after the kill");
  CHECK(to_unavailable < 4.0);  // the 2 s channel timeout, plus the login in flight

  auto [down_status, down] = bots_down.get();
  MESSAGE("bots while auth is down: " << down.dump());
  CHECK(down["logins_ok"] == 0);
  CHECK(down["failures"] == nlohmann::json{{"unavailable", 20}});
  CHECK(down_status == 13);

  // Auth stays away long enough for the links' backoff to reach its ceiling, then
  // comes back on the same address: the gateway and the world link again. (3.6 s
  // after the links dropped: a link whose handshake retransmitted with wolfSSL's
  // back-off, 1, 2, 4 s, missed an auth returning then by about 3.5 s.)
  std::this_thread::sleep_until(unavailable->ended + 3600ms);
  auto restarted = Clock::now();
  auth = start_process(d, "auth");
  const auto listening = Clock::now();
  REQUIRE(gateway->wait_for("linked to auth", 5s));
  const double gateway_relink = seconds_since(listening);
  REQUIRE(world->wait_for("linked to auth", 5s));
  MESSAGE("auth start " << std::chrono::duration<double>(listening - restarted).count()
                        << " s; gateway linked " << gateway_relink << " s after auth listened, world "
                        << seconds_since(listening) << " s");
  CHECK(gateway_relink < 2.0);

  // Logins resume.
  auto resumed = logins.wait_for(listening, ok, 10s);
  REQUIRE(resumed);
  MESSAGE("first login after the restart done "
          << std::chrono::duration<double>(resumed->ended - listening).count() << " s after auth listened");
  logins.stop();
  auto [up_status, up] = bot_run(d, 2);
  CHECK(up["joined"] == 20);
  CHECK(up_status == 0);

  // No attempt hung: each ended within the client's per-stage timeouts.
  std::size_t joined = 0;
  for (const auto& a : logins.attempts()) {
    CHECK(a.ended - a.started < 12s);
    if (a.result.outcome == Outcome::joined) ++joined;
  }
  MESSAGE(logins.attempts().size() << " login attempts, " << joined << " joined");

  for (auto* p : {world.get(), gateway.get(), auth.get()}) {
    p->signal(SIGTERM);
    CHECK(p->wait(5s) == 0);
  }
  CHECK(integrity_check(d.config.auth.database) == "ok");
}

TEST_CASE(
    "world killed with SIGKILL: its player tries to resume for the grace, is told why, and gets in again") {
  gs::test::Deployment d("fault-world");
  // The client cannot tell a dead world from a broken path: it tries to resume until the
  // grace (from the ticket) is over.
  d.config.world.resume_grace = 3s;
  with_accounts(d);
  auto [auth, gateway, world] = start_linked(d);
  auto options = client_options(d.config);

  asio::io_context io;
  gs::client::Client player(io, options);
  std::string reason;
  Clock::time_point killed{}, told{};
  std::uint32_t attempts = 0;
  gs::client::ClientEvents events;
  events.reconnecting = [&](std::uint32_t attempt) { attempts = attempt; };
  events.disconnected = [&](std::string_view why) {
    reason = std::string(why);
    told = Clock::now();
    io.stop();
  };
  player.set_events(std::move(events));
  // The world's ticket arrives just after the Welcome: kill it once the client holds one.
  asio::steady_timer ticket_wait(io);
  player.login_and_join("alice", "correct horse", [&](const gs::client::FlowResult& r) {
    REQUIRE(r.outcome == Outcome::joined);
    ticket_wait.expires_after(300ms);
    ticket_wait.async_wait([&](const asio::error_code&) {
      world->signal(SIGKILL);
      killed = Clock::now();
    });
  });
  asio::steady_timer limit(io);
  limit.expires_after(20s);
  limit.async_wait([&](const asio::error_code&) { io.stop(); });
  io.run();
  REQUIRE_FALSE(reason.empty());
  const double to_told = std::chrono::duration<double>(told - killed).count();
  MESSAGE("player told `" << reason << "` " << to_told << " s after the world was killed, after " << attempts
                          << " resume attempts");
  CHECK(reason == "resume_timeout");
  CHECK(attempts >= 1);
  CHECK(to_told < 3.0 + 1.0 + 2.0);  // the grace, the break noticed, the last attempt's end
  CHECK(world->wait(5s) == 128 + SIGKILL);

  world = start_process(d, "world");
  auto again = login_when_ready(options);
  CHECK_MESSAGE(again.outcome == Outcome::joined, again.reason);

  for (auto* p : {world.get(), gateway.get(), auth.get()}) {
    p->signal(SIGTERM);
    CHECK(p->wait(5s) == 0);
  }
  CHECK(integrity_check(d.config.auth.database) == "ok");
}
