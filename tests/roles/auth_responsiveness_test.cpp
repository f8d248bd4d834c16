// The auth role's event loop keeps answering while password hashes run and while the
// account database is slow: hashing happens on the worker pool and database calls on
// a thread of their own (LoginService::pool_runner, as in the role), never on the
// loop. Measured as the lateness of a 5 ms timer.

#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <asio/steady_timer.hpp>

#include "roles/auth/login_service.hpp"
#include "store/sqlite_account_store.hpp"

using namespace gs;
using namespace gs::roles;
using namespace std::chrono_literals;

TEST_CASE("the event loop stays responsive while 50 password hashes run") {
  auto dir = std::filesystem::temp_directory_path() / ("gs-responsive-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    asio::io_context io;
    gs::WorkerPool pool(2);
    store::SqliteAccountStore accounts(dir / "accounts.db");
    store::PasswordHasher hasher{store::PwhashParams{}};  // OWASP defaults: 19 MiB, 2 passes
    auto wall = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    REQUIRE(accounts.add("alice", *hasher.hash("correct horse"), wall) == store::StoreStatus::ok);
    store::LoginThrottle throttle{store::ThrottleLimits{1000, 1000, std::chrono::seconds(60), 1000}};
    crypto::TokenSigner signer{"auth-1", "k1", crypto::Ed25519PrivateKey::generate()};
    WorldDirectory worlds{10s};
    auto alive = std::make_shared<bool>(true);
    gs::WorkerPool database(1);
    LoginService service{accounts,
                         hasher,
                         throttle,
                         signer,
                         worlds,
                         {64, std::chrono::seconds(30), 64},
                         LoginService::pool_runner(database, io, alive),
                         LoginService::pool_runner(pool, io, alive)};
    worlds.report("world-1", "127.0.0.1:7200", 1000, 0, std::chrono::steady_clock::now());

    constexpr int logins = 50;
    int answered = 0, ok = 0;
    for (int i = 0; i < logins; ++i) {
      protocol::Authenticate request;
      request.request_id = static_cast<std::uint32_t>(i);
      request.user = "alice";
      request.password = "correct horse";
      request.client_address = "10.0.0.1";
      service.authenticate(std::move(request), "gateway-1", {std::chrono::steady_clock::now(), wall},
                           [&](protocol::AuthResult r) {
                             ++answered;
                             ok += r.ok ? 1 : 0;
                           });
    }
    CHECK(answered == 0);  // nothing was hashed on the calling thread

    // A 5 ms heartbeat on the loop; record how late each beat fires.
    asio::steady_timer beat(io);
    std::chrono::steady_clock::duration worst{};
    int beats = 0;
    std::function<void()> arm = [&] {
      auto due = std::chrono::steady_clock::now() + 5ms;
      beat.expires_at(due);
      beat.async_wait([&, due](const asio::error_code&) {
        worst = std::max(worst, std::chrono::steady_clock::now() - due);
        ++beats;
        if (answered < logins) arm();
      });
    };
    arm();
    io.run();
    CHECK(answered == logins);
    CHECK(ok == logins);
    CHECK(beats > 10);
    // A loop that hashed itself would be late by the whole batch (seconds).
    CHECK(worst < 250ms);
    MESSAGE("worst heartbeat lateness: ", std::chrono::duration<double, std::milli>(worst).count(),
            " ms over ", beats, " beats");
  }
  std::filesystem::remove_all(dir);
}

namespace {

// An account database that answers lookups only once released: a server that stalls.
struct StallingStore final : store::AccountStore {
  explicit StallingStore(std::string hash) : hash(std::move(hash)) {}
  std::optional<std::vector<store::Account>> list() override { return std::nullopt; }
  int schema_version() override { return schema_version_current; }

  void release() {
    std::lock_guard lock(mutex);
    released = true;
    wake.notify_all();
  }

  std::string hash;
  std::mutex mutex;
  std::condition_variable wake;
  bool released = false;
  std::atomic<int> lookups{0};

 private:
  store::StoreStatus insert(const std::vector<std::string>&, std::string_view, store::UnixTime) override {
    return fail(store::StoreStatus::database_error, "read-only");
  }
  store::StoreStatus update_hash(const std::string&, std::string_view) override {
    return fail(store::StoreStatus::database_error, "read-only");
  }
  store::StoreStatus swap_hash(const std::string&, std::string_view, std::string_view) override {
    return fail(store::StoreStatus::database_error, "read-only");
  }
  store::StoreStatus update_disabled(const std::string&, bool) override {
    return fail(store::StoreStatus::database_error, "read-only");
  }
  store::StoreStatus update_last_login(const std::string&, store::UnixTime) override {
    return store::StoreStatus::ok;
  }
  Lookup select(const std::string& name) override {
    ++lookups;
    std::unique_lock lock(mutex);
    wake.wait(lock, [&] { return released; });
    store::Account a;
    a.id = 1;
    a.name = name;
    a.password_hash = hash;
    return {store::StoreStatus::ok, a};
  }
};

}  // namespace

TEST_CASE("the event loop stays responsive while the account database stalls") {
  asio::io_context io;
  gs::WorkerPool pool(1);
  gs::WorkerPool database(1);
  store::PasswordHasher hasher{store::pwhash_params_minimum()};
  StallingStore accounts(*hasher.hash("correct horse"));
  auto wall = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  store::LoginThrottle throttle{store::ThrottleLimits{1000, 1000, std::chrono::seconds(60), 1000}};
  crypto::TokenSigner signer{"auth-1", "k1", crypto::Ed25519PrivateKey::generate()};
  WorldDirectory worlds{10s};
  worlds.report("world-1", "127.0.0.1:7200", 1000, 0, std::chrono::steady_clock::now());
  auto alive = std::make_shared<bool>(true);
  LoginService service{accounts,
                       hasher,
                       throttle,
                       signer,
                       worlds,
                       {4, std::chrono::seconds(30)},
                       LoginService::pool_runner(database, io, alive),
                       LoginService::pool_runner(pool, io, alive)};

  constexpr auto stall = 300ms;
  std::thread unstall([&] {
    std::this_thread::sleep_for(stall);
    accounts.release();
  });
  const auto begin = std::chrono::steady_clock::now();
  std::optional<protocol::AuthResult> result;
  protocol::Authenticate request;
  request.user = "alice";
  request.password = "correct horse";
  request.client_address = "10.0.0.1";
  service.authenticate(std::move(request), "gateway-1", {begin, wall},
                       [&](protocol::AuthResult r) { result = std::move(r); });
  // A loop that asked the database itself would only get here once the stall ended.
  CHECK(std::chrono::steady_clock::now() - begin < stall / 2);

  asio::steady_timer beat(io);
  int beats_during_stall = 0;
  std::function<void()> arm = [&] {
    beat.expires_after(5ms);
    beat.async_wait([&](const asio::error_code&) {
      if (std::chrono::steady_clock::now() - begin < stall - 20ms) ++beats_during_stall;
      if (!result) arm();
    });
  };
  arm();
  io.run();
  unstall.join();
  REQUIRE(result);
  CHECK(result->ok);
  CHECK(accounts.lookups == 1);
  CHECK(std::chrono::steady_clock::now() - begin >= stall);
  // 5 ms beats over a 280 ms window: dozens when the loop is free; a few are enough.
  CHECK(beats_during_stall >= 10);
  MESSAGE("heartbeats during the stall: ", beats_during_stall);
}
