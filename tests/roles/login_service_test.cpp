#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <unistd.h>

#include "auth/login_service.hpp"
#include "store/sqlite_account_store.hpp"
#include "crypto/token_verifier.hpp"

using namespace gs;
using namespace gs::roles;
using namespace std::chrono_literals;

namespace {

// One auth role's worth of state, on a temporary database, with cheap hashing.
struct Fixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("gs-login-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  store::sqlite_account_store accounts{dir / "accounts.db"};
  store::password_hasher hasher{store::pwhash_params_minimum()};
  store::login_throttle throttle{store::throttle_limits{3, 10, std::chrono::seconds(60), 1000}};
  crypto::ed25519_private_key key = crypto::ed25519_private_key::generate();
  crypto::token_signer signer{"auth-1", "k1", crypto::ed25519_private_key::from_seed(key.seed())};
  WorldDirectory worlds{10s};
  // Hash jobs wait here until run_jobs(): lets tests see work in flight. Database
  // calls run at once (database_test below holds them back).
  std::deque<std::pair<std::function<void()>, std::function<void(Clock)>>> jobs;
  int jobs_started = 0;
  int database_calls = 0;
  Clock now{std::chrono::steady_clock::time_point{} + 1h, std::chrono::sys_seconds{std::chrono::seconds{1'800'000'000}}};
  LoginService service{accounts, hasher, throttle, signer, worlds, {2, std::chrono::seconds(30)},
                       [this](auto work, auto done) {
                         ++database_calls;
                         work();
                         done(now);
                       },
                       [this](auto work, auto done) {
                         ++jobs_started;
                         jobs.emplace_back(std::move(work), std::move(done));
                       }};
  std::vector<protocol::AuthResult> results;

  static inline int counter = 0;

  Fixture() {
    accounts.add("alice", *hasher.hash("correct horse"), now.wall);
    worlds.report("world-1", "127.0.0.1:7200", 10, 0, now.steady);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  void login(const std::string& user, const std::string& password, const std::string& world = "",
             const std::string& address = "10.0.0.1") {
    protocol::Authenticate request;
    request.request_id = static_cast<std::uint32_t>(results.size() + 100);
    request.player_id = 7;
    request.user = user;
    request.password = password;
    request.client_address = address;
    request.world = world;
    service.authenticate(std::move(request), now, [this](protocol::AuthResult r) { results.push_back(std::move(r)); });
  }
  void run_jobs() {
    while (!jobs.empty()) {
      auto [work, done] = std::move(jobs.front());
      jobs.pop_front();
      work();
      done(now);
    }
  }
  const protocol::AuthResult& last() { return results.back(); }
};

// A runner whose thread is free: the work and its completion run at once.
LoginService::Runner at_once(const Clock& now) {
  return [&now](std::function<void()> work, std::function<void(Clock)> done) {
    work();
    done(now);
  };
}

// Alice's login with her right password; the answer lands in `results`.
void ask_for_alice(LoginService& service, Clock now, std::vector<protocol::AuthResult>& results) {
  protocol::Authenticate request;
  request.user = "alice";
  request.password = "correct horse";
  request.client_address = "10.0.0.1";
  service.authenticate(std::move(request), now, [&](protocol::AuthResult r) { results.push_back(std::move(r)); });
}

}  // namespace

TEST_CASE("the right password gets a token for a world, verifiable with the public key only") {
  Fixture f;
  f.login("Alice", "correct horse");
  CHECK(f.results.empty());  // the hash runs off the event loop first
  f.run_jobs();
  REQUIRE(f.results.size() == 1);
  CHECK(f.last().ok);
  CHECK(f.last().request_id == 100);
  CHECK(f.last().player_id == 7);
  CHECK(f.last().world_id == "world-1");
  CHECK(f.last().world_address == "127.0.0.1:7200");
  crypto::token_verifier verifier({"world-1", {"auth-1"}}, {{"k1", f.key.public_key()}});
  auto claims = verifier.verify(f.last().token, f.now.wall);
  REQUIRE(claims.ok());
  CHECK(claims->sub == "alice");
  CHECK(claims->aud == "world-1");
  CHECK(claims->exp == f.now.wall + 30s);
  CHECK(f.accounts.find("alice").found->last_login_at == f.now.wall);
  CHECK(f.database_calls == 2);  // the lookup and the login time, both off the loop
}

TEST_CASE("the account lookup runs through the database runner before any hash") {
  Fixture f;
  std::deque<std::pair<std::function<void()>, std::function<void(Clock)>>> calls;
  LoginService service{f.accounts, f.hasher, f.throttle, f.signer, f.worlds, {2, std::chrono::seconds(30)},
                       [&](auto work, auto done) { calls.emplace_back(std::move(work), std::move(done)); },
                       at_once(f.now)};
  std::vector<protocol::AuthResult> results;
  ask_for_alice(service, f.now, results);
  REQUIRE(calls.size() == 1);  // the lookup, waiting for the database thread
  CHECK(results.empty());
  CHECK(service.in_flight() == 1);
  calls.front().first();
  calls.front().second(f.now);
  calls.pop_front();
  REQUIRE(results.size() == 1);
  CHECK(results[0].ok);
  CHECK(service.in_flight() == 0);
  REQUIRE(calls.size() == 1);  // the login time, written after the answer
  CHECK_FALSE(f.accounts.find("alice").found->last_login_at.has_value());
  calls.front().first();
  CHECK(f.accounts.find("alice").found->last_login_at == f.now.wall);
}

TEST_CASE("a wrong password and an unknown account both cost one hash and answer bad_credentials") {
  Fixture f;
  f.login("alice", "wrong password");
  f.login("mallory", "whatever pw");
  CHECK(f.jobs_started == 2);
  f.run_jobs();
  REQUIRE(f.results.size() == 2);
  CHECK_FALSE(f.results[0].ok);
  CHECK(f.results[0].reason == "bad_credentials");
  CHECK(f.results[1].reason == "bad_credentials");
  CHECK(f.results[0].token.empty());
  CHECK(f.database_calls == 2);  // one lookup each; no login time written
}

TEST_CASE("a disabled account is reported only to the holder of its password") {
  Fixture f;
  f.accounts.set_disabled("alice", true);
  f.login("alice", "wrong password");
  f.login("alice", "correct horse");
  f.run_jobs();
  CHECK(f.results[0].reason == "bad_credentials");
  CHECK(f.results[1].reason == "disabled");
  CHECK_FALSE(f.results[1].ok);
}

TEST_CASE("too many failures for an account answer throttled without hashing") {
  Fixture f;
  for (int i = 0; i < 3; ++i) {
    f.login("alice", "wrong password");
    f.run_jobs();
  }
  int hashed = f.jobs_started;
  f.login("alice", "correct horse", "", "10.9.9.9");
  CHECK(f.jobs_started == hashed);
  REQUIRE(f.results.size() == 4);
  CHECK(f.last().reason == "throttled");
  f.now.steady += 61s;  // the window slides past the failures
  f.login("alice", "correct horse");
  f.worlds.report("world-1", "127.0.0.1:7200", 10, 0, f.now.steady);  // still alive
  f.run_jobs();
  CHECK(f.last().ok);
}

TEST_CASE("too many failures from one address answer throttled for every account") {
  Fixture f;
  for (int i = 0; i < 10; ++i) {
    f.login("user" + std::to_string(i), "wrong password", "", "10.6.6.6");
    f.run_jobs();
  }
  f.login("alice", "correct horse", "", "10.6.6.6");
  CHECK(f.last().reason == "throttled");
  f.login("alice", "correct horse", "", "10.0.0.2");
  f.run_jobs();
  CHECK(f.last().ok);
}

TEST_CASE("more hashes than allowed in flight answer busy") {
  Fixture f;
  f.login("alice", "correct horse");
  f.login("alice", "correct horse");
  CHECK(f.service.in_flight() == 2);
  f.login("alice", "correct horse");
  REQUIRE(f.results.size() == 1);
  CHECK(f.last().reason == "busy");
  f.run_jobs();
  CHECK(f.service.in_flight() == 0);
  CHECK(f.results.size() == 3);
}

TEST_CASE("no world with room answers no_world after the password check") {
  Fixture f;
  f.worlds.report("world-1", "127.0.0.1:7200", 1, 1, f.now.steady);  // full
  f.login("alice", "correct horse");
  f.run_jobs();
  CHECK(f.last().reason == "no_world");
  CHECK(f.last().token.empty());
}

TEST_CASE("malformed names and passwords answer bad_credentials without hashing") {
  Fixture f;
  f.login("a", "correct horse");
  f.login("alice", "short");
  f.login("al ice", "correct horse");
  CHECK(f.jobs_started == 0);
  CHECK(f.results.size() == 3);
  for (auto& r : f.results) CHECK(r.reason == "bad_credentials");
}

TEST_CASE("an account hashed with old parameters is rehashed at its next login") {
  Fixture f;
  store::pwhash_params stronger = store::pwhash_params_minimum();
  stronger.ops_limit += 1;
  store::password_hasher new_hasher{stronger};
  LoginService service{f.accounts, new_hasher, f.throttle, f.signer, f.worlds, {2, std::chrono::seconds(30)},
                       at_once(f.now), at_once(f.now)};
  auto before = f.accounts.find("alice").found->password_hash;
  CHECK(new_hasher.needs_rehash(before));
  std::vector<protocol::AuthResult> results;
  ask_for_alice(service, f.now, results);
  REQUIRE(results.size() == 1);
  CHECK(results[0].ok);
  auto after = f.accounts.find("alice").found->password_hash;
  CHECK(after != before);
  CHECK_FALSE(new_hasher.needs_rehash(after));
  CHECK(service.stats().rehashed == 1);
  CHECK(store::verify_password(after, "correct horse"));
}

namespace {

// An account database that is away: every call answers `status`.
struct AwayStore final : store::account_store {
  explicit AwayStore(store::store_status s) : status(s) {}
  std::optional<std::vector<store::account>> list() override { return std::nullopt; }
  int schema_version() override { return 0; }
  store::store_status status;

 private:
  store::store_status insert(const std::vector<std::string>&, std::string_view, store::unix_time) override {
    return fail(status, "away");
  }
  store::store_status update_hash(const std::string&, std::string_view) override { return fail(status, "away"); }
  store::store_status swap_hash(const std::string&, std::string_view, std::string_view) override {
    return fail(status, "away");
  }
  store::store_status update_disabled(const std::string&, bool) override { return fail(status, "away"); }
  store::store_status update_last_login(const std::string&, store::unix_time) override { return fail(status, "away"); }
  lookup select(const std::string&) override { return {fail(status, "away"), std::nullopt}; }
};

}  // namespace

TEST_CASE("a busy or unreachable account database answers busy or unavailable, at once, without hashing") {
  for (auto [status, expected] : {std::pair{store::store_status::busy, "busy"},
                                  std::pair{store::store_status::unavailable, "unavailable"},
                                  std::pair{store::store_status::database_error, "internal"}}) {
    Fixture f;
    AwayStore away(status);
    int hashes = 0;
    LoginService service{away, f.hasher, f.throttle, f.signer, f.worlds, {2, std::chrono::seconds(30)},
                         at_once(f.now), [&](auto, auto) { ++hashes; }};
    std::vector<protocol::AuthResult> results;
    ask_for_alice(service, f.now, results);
    REQUIRE(results.size() == 1);
    CHECK_FALSE(results[0].ok);
    CHECK(results[0].reason == expected);
    CHECK(hashes == 0);
    CHECK(service.in_flight() == 0);
  }
}
