// The auth role's event loop keeps answering while password hashes run: hashing
// happens on the worker pool (LoginService::pool_runner, as in the role), never on
// the loop. Measured as the lateness of a 5 ms timer while 50 real Argon2id checks
// at the default parameters run.

#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

#include <asio/steady_timer.hpp>

#include "auth/login_service.hpp"
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
    store::sqlite_account_store accounts(dir / "accounts.db");
    store::password_hasher hasher{store::pwhash_params{}};  // OWASP defaults: 19 MiB, 2 passes
    auto wall = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    REQUIRE(accounts.add("alice", *hasher.hash("correct horse"), wall) == store::store_status::ok);
    store::login_throttle throttle{store::throttle_limits{1000, 1000, std::chrono::seconds(60), 1000}};
    crypto::token_signer signer{"auth-1", "k1", crypto::ed25519_private_key::generate()};
    WorldDirectory worlds{10s};
    auto alive = std::make_shared<bool>(true);
    LoginService service{accounts, hasher, throttle, signer, worlds, {64, std::chrono::seconds(30)},
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
      service.authenticate(std::move(request), {std::chrono::steady_clock::now(), wall},
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
    MESSAGE("worst heartbeat lateness: ", std::chrono::duration<double, std::milli>(worst).count(), " ms over ",
            beats, " beats");
  }
  std::filesystem::remove_all(dir);
}
