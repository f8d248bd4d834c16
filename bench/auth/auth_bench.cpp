// Logins per second through the auth role's login service (throttle, account lookup,
// Argon2id on the worker pool, world pick, token signing, last-login update) against
// the raw crypto_pwhash_str_verify rate with the same parameters and threads, in one
// run. Usage: auth_bench [LOGINS] [THREADS]

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "roles/auth/login_service.hpp"
#include "store/sqlite_account_store.hpp"

using namespace gs;
using namespace gs::roles;
using Steady = std::chrono::steady_clock;

namespace {

const char* const kPassword = "correct horse battery";

// `threads` threads verifying `hash` back to back, `count` verifies in all; seconds taken.
double raw_verify_seconds(const std::string& hash, unsigned threads, int count) {
  auto start = Steady::now();
  std::vector<std::thread> workers;
  std::atomic<int> next{0};
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      while (next.fetch_add(1) < count) (void)store::verify_password(hash, kPassword);
    });
  for (auto& w : workers) w.join();
  return std::chrono::duration<double>(Steady::now() - start).count();
}

struct ServiceRun {
  double seconds = 0;
  int ok = 0;
};

// `logins` logins of one account through the login service, with the auth role's
// worker-pool runners, as many in flight as the pool has threads, twice over.
ServiceRun run_service(const std::string& hash, store::PasswordHasher& hasher, unsigned threads, int logins) {
  auto dir = std::filesystem::temp_directory_path() / ("gs-auth-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  ServiceRun run;
  {
    asio::io_context io;
    gs::WorkerPool pool(threads);
    store::SqliteAccountStore accounts(dir / "accounts.db");
    auto wall = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    accounts.add("alice", hash, wall);
    store::LoginThrottle throttle{store::ThrottleLimits{1u << 30, 1u << 30, std::chrono::seconds(1), 1000}};
    crypto::TokenSigner signer{"auth-1", "k1", crypto::Ed25519PrivateKey::generate()};
    WorldDirectory worlds{std::chrono::hours(1)};
    worlds.report("world-1", "127.0.0.1:7200", 1u << 30, 0, Steady::now());
    auto alive = std::make_shared<bool>(true);
    gs::WorkerPool database(1);  // as in the auth role: the store's connection on a thread of its own
    LoginService service{accounts,
                         hasher,
                         throttle,
                         signer,
                         worlds,
                         {threads * 2, std::chrono::seconds(30), threads * 2},
                         LoginService::pool_runner(database, io, alive),
                         LoginService::pool_runner(pool, io, alive)};
    int sent = 0, answered = 0;
    // Completions arrive from the pool: keep the loop running until the last one.
    auto guard = asio::make_work_guard(io);
    std::function<void()> send_one = [&] {
      protocol::Authenticate request;
      request.request_id = static_cast<std::uint32_t>(sent++);
      request.user = "alice";
      request.password = kPassword;
      request.client_address = "10.0.0.1";
      service.authenticate(std::move(request), "gateway-1", {Steady::now(), wall},
                           [&](protocol::AuthResult r) {
                             ++answered;
                             run.ok += r.ok ? 1 : 0;
                             if (!r.ok && answered == 1)
                               std::fprintf(stderr, "login refused: %s\n", r.reason.c_str());
                             if (sent < logins) send_one();
                             if (answered == logins) guard.reset();
                           });
    };
    auto start = Steady::now();
    for (unsigned i = 0; i < threads * 2 && sent < logins; ++i) send_one();
    io.run();
    run.seconds = std::chrono::duration<double>(Steady::now() - start).count();
  }
  std::filesystem::remove_all(dir);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  int logins = argc > 1 ? std::atoi(argv[1]) : 200;
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2]))
                              : std::max(1u, std::thread::hardware_concurrency());
  store::PwhashParams params;  // the defaults: OWASP's 19 MiB, 2 passes
  store::PasswordHasher hasher(params);
  auto hash = *hasher.hash(kPassword);

  // Half the raw run before the service run and half after, so drift in machine load
  // affects both sides alike.
  double raw_s = raw_verify_seconds(hash, threads, logins / 2);
  const ServiceRun service = run_service(hash, hasher, threads, logins);
  raw_s += raw_verify_seconds(hash, threads, logins - logins / 2);

  double raw_rate = logins / raw_s, service_rate = logins / service.seconds;
  std::printf("argon2id m=%zuKiB t=%llu, %d logins, %u threads\n", params.mem_limit >> 10,
              static_cast<unsigned long long>(params.ops_limit), logins, threads);
  std::printf("raw crypto_pwhash_str_verify: %.1f verifies/s\n", raw_rate);
  std::printf("auth login service:           %.1f logins/s (%d ok)\n", service_rate, service.ok);
  std::printf("ratio: %.3f (target >= 0.9)\n", service_rate / raw_rate);
  return service.ok == logins ? 0 : 1;
}
