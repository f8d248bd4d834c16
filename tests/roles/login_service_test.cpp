#include <doctest/doctest.h>

#include <unistd.h>
#include <deque>
#include <filesystem>

#include "crypto/token_verifier.hpp"
#include "roles/auth/login_service.hpp"
#include "store/sqlite_account_store.hpp"

using namespace gs;
using namespace gs::roles;
using namespace std::chrono_literals;

namespace {

// One auth role's worth of state, on a temporary database, with cheap hashing.
struct Fixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("gs-login-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  store::SqliteAccountStore accounts{dir / "accounts.db"};
  store::PasswordHasher hasher{store::pwhash_params_minimum()};
  store::LoginThrottle throttle{store::ThrottleLimits{3, 10, std::chrono::seconds(60), 1000}};
  crypto::Ed25519PrivateKey key = crypto::Ed25519PrivateKey::generate();
  crypto::TokenSigner signer{"auth-1", "k1", crypto::Ed25519PrivateKey::from_seed(key.seed())};
  WorldDirectory worlds{10s};
  // Hash jobs wait here until run_jobs(): lets tests see work in flight. Database
  // calls run at once (database_test below holds them back).
  std::deque<std::pair<std::function<void()>, std::function<void(Clock)>>> jobs;
  int jobs_started = 0;
  int database_calls = 0;
  Clock now{std::chrono::steady_clock::time_point{} + 1h,
            std::chrono::sys_seconds{std::chrono::seconds{1'800'000'000}}};
  LoginService service{accounts,
                       hasher,
                       throttle,
                       signer,
                       worlds,
                       {2, std::chrono::seconds(30)},
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
  std::uint32_t sent = 0;

  static inline int counter = 0;

  Fixture() {
    accounts.add("alice", *hasher.hash("correct horse"), now.wall);
    worlds.report("world-1", "127.0.0.1:7200", 10, 0, now.steady);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  // Returns the request id, to find the answer with result().
  std::uint32_t login(const std::string& user, const std::string& password, const std::string& world = "",
                      const std::string& address = "10.0.0.1") {
    protocol::Authenticate request;
    request.request_id = 100 + sent++;
    request.player_id = 7;
    request.user = user;
    request.password = password;
    request.client_address = address;
    request.world = world;
    service.authenticate(std::move(request), "gateway-1", now,
                         [this](protocol::AuthResult r) { results.push_back(std::move(r)); });
    return 100 + sent - 1;
  }
  // The answer to request `id`; fails the test when there is none yet.
  const protocol::AuthResult& result(std::uint32_t id) {
    for (const auto& r : results)
      if (r.request_id == id) return r;
    FAIL("no answer to request ", id);
    return results.front();
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
  service.authenticate(std::move(request), "gateway-1", now,
                       [&](protocol::AuthResult r) { results.push_back(std::move(r)); });
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
  crypto::TokenVerifier verifier({"world-1", {"auth-1"}}, {{"k1", f.key.public_key()}});
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
  LoginService service{f.accounts,
                       f.hasher,
                       f.throttle,
                       f.signer,
                       f.worlds,
                       {2, std::chrono::seconds(30)},
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
  f.login("alice", "wrong password", "", "10.0.0.1");
  f.login("mallory", "whatever pw", "", "10.0.0.2");  // one login in flight per address
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
  f.login("alice", "wrong password", "", "10.0.0.1");
  f.login("alice", "correct horse", "", "10.0.0.2");
  f.run_jobs();
  CHECK(f.results[0].reason == "bad_credentials");
  CHECK(f.results[1].reason == "disabled");
  CHECK_FALSE(f.results[1].ok);
}

TEST_CASE("too many failures for an account from one address answer throttled there without hashing") {
  Fixture f;
  for (int i = 0; i < 3; ++i) {
    f.login("alice", "wrong password");
    f.run_jobs();
  }
  int hashed = f.jobs_started;
  f.login("alice", "correct horse");
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
  f.login("alice", "correct horse", "", "10.0.0.1");
  f.login("alice", "correct horse", "", "10.0.0.2");
  CHECK(f.service.in_flight() == 2);
  f.login("alice", "correct horse", "", "10.0.0.3");
  REQUIRE(f.results.size() == 1);
  CHECK(f.last().reason == "busy");
  f.run_jobs();
  CHECK(f.service.in_flight() == 0);
  CHECK(f.results.size() == 3);
}

TEST_CASE("one address sending random names cannot take every hash slot from a player at another address") {
  Fixture f;  // two slots
  for (int i = 0; i < 10; ++i) f.login("random" + std::to_string(i), "whatever pw", "", "10.6.6.6");
  const int attacker_hashes = f.jobs_started;
  auto player = f.login("alice", "correct horse", "", "10.0.0.2");
  CHECK(f.jobs_started == attacker_hashes + 1);  // the player's login got a slot
  f.run_jobs();
  CHECK(f.result(player).ok);
}

TEST_CASE("wrong passwords for an account from one address do not lock its owner out at another") {
  Fixture f;  // 3 failures of one account
  for (int i = 0; i < 6; ++i) {
    f.login("alice", "wrong password", "", "10.6.6.6");
    f.run_jobs();
  }
  auto owner = f.login("alice", "correct horse", "", "10.0.0.2");
  f.run_jobs();
  CHECK(f.result(owner).ok);
}

TEST_CASE("the guessing address stays throttled for the account after its owner logs in") {
  Fixture f;
  for (int i = 0; i < 3; ++i) {
    f.login("alice", "wrong password", "", "10.6.6.6");
    f.run_jobs();
  }
  auto owner = f.login("alice", "correct horse", "", "10.0.0.2");
  f.run_jobs();
  REQUIRE(f.result(owner).ok);
  const int hashed = f.jobs_started;
  auto guess = f.login("alice", "correct horse", "", "10.6.6.6");
  CHECK(f.result(guess).reason == "throttled");
  CHECK(f.jobs_started == hashed);
}

TEST_CASE(
    "the per-account ceiling throttles a guess spread over many addresses, but not the owner's usual one") {
  Fixture f;
  store::ThrottleLimits limits{3, 10, std::chrono::seconds(60), 1000};
  limits.account_failures_total = 8;
  store::LoginThrottle throttle{limits};
  LoginService service{f.accounts,     f.hasher,      throttle,
                       f.signer,       f.worlds,      {4, std::chrono::seconds(30)},
                       at_once(f.now), at_once(f.now)};
  std::vector<protocol::AuthResult> results;
  auto login = [&](const std::string& password, const std::string& address) {
    protocol::Authenticate request;
    request.user = "alice";
    request.password = password;
    request.client_address = address;
    service.authenticate(std::move(request), "gateway-1", f.now,
                         [&](protocol::AuthResult r) { results.push_back(std::move(r)); });
    REQUIRE_FALSE(results.empty());
    return results.back();
  };
  REQUIRE(login("correct horse", "10.0.0.1").ok);  // the owner's usual address, now known
  for (int i = 0; i < 8; ++i)
    CHECK(login("wrong password", "10.7.0." + std::to_string(i)).reason == "bad_credentials");
  CHECK(login("wrong password", "10.8.0.1").reason == "throttled");  // one more host, no hash
  CHECK(login("correct horse", "10.8.0.2").reason == "throttled");   // a new place waits out the window
  CHECK(login("correct horse", "10.0.0.1").ok);
  f.now.steady += 61s;
  f.worlds.report("world-1", "127.0.0.1:7200", 10, 0, f.now.steady);
  CHECK(login("correct horse", "10.8.0.2").ok);
}

TEST_CASE("a client address that is no IP address is throttled with the rest of its gateway link") {
  Fixture f;  // 10 failures per address group
  for (int i = 0; i < 10; ++i) {
    f.login("user" + std::to_string(i), "wrong password", "", i % 2 ? "not an address" : "");
    f.run_jobs();
  }
  CHECK(f.result(f.login("alice", "correct horse", "", "junk:junk")).reason == "throttled");
  CHECK(f.service.stats().unparsed_address == 11);
  auto player = f.login("alice", "correct horse", "", "10.0.0.2");
  f.run_jobs();
  CHECK(f.result(player).ok);
}

TEST_CASE("one gateway link holds at most its share of the slots") {
  Fixture f;
  store::LoginThrottle throttle{store::ThrottleLimits{3, 10, std::chrono::seconds(60), 1000}};
  int hashes = 0;
  LoginService::Settings settings{4, std::chrono::seconds(30)};
  settings.max_in_flight_per_gateway = 2;
  LoginService service{f.accounts, f.hasher, throttle,       f.signer,
                       f.worlds,   settings, at_once(f.now), [&](auto, auto) { ++hashes; }};
  std::vector<std::string> reasons;
  auto login = [&](const std::string& gateway, const std::string& address) {
    protocol::Authenticate request;
    request.user = "alice";
    request.password = "correct horse";
    request.client_address = address;
    service.authenticate(std::move(request), gateway, f.now,
                         [&](protocol::AuthResult r) { reasons.push_back(r.reason); });
  };
  for (int i = 0; i < 4; ++i) login("gateway-1", "10.0.0." + std::to_string(i));
  CHECK(hashes == 2);
  CHECK(reasons == std::vector<std::string>{"busy", "busy"});
  login("gateway-2", "10.0.1.1");
  CHECK(hashes == 3);  // the other gateway's player got a slot
}

// The number docs/SECURITY.md quotes: rounds of eight random-name logins from one
// address, each followed by one player's login from an address of its own, with four
// slots. The guesser's address is never throttled here, to measure the pool alone.
TEST_CASE("players still log in during a flood of random names from one address") {
  Fixture f;
  store::LoginThrottle lenient{store::ThrottleLimits{1000, 1u << 30, std::chrono::seconds(60), 1000}};
  std::deque<std::pair<std::function<void()>, std::function<void(Clock)>>> jobs;
  LoginService service{
      f.accounts,     f.hasher,
      lenient,        f.signer,
      f.worlds,       {4, std::chrono::seconds(30)},
      at_once(f.now), [&](auto work, auto done) { jobs.emplace_back(std::move(work), std::move(done)); }};
  constexpr int players = 20;
  for (int i = 0; i < players; ++i)
    f.accounts.add("player" + std::to_string(i), *f.hasher.hash("correct horse"), f.now.wall);
  f.worlds.report("world-1", "127.0.0.1:7200", 1000, 0, f.now.steady);
  int ok = 0, busy = 0, flood = 0;
  auto send = [&](const std::string& user, const std::string& password, const std::string& address,
                  bool player) {
    protocol::Authenticate request;
    request.user = user;
    request.password = password;
    request.client_address = address;
    service.authenticate(std::move(request), "gateway-1", f.now, [&, player](protocol::AuthResult r) {
      if (player) (r.ok ? ok : busy) += r.ok || r.reason == "busy" ? 1 : 0;
    });
  };
  for (int round = 0; round < players; ++round) {
    for (int k = 0; k < 8; ++k) send("random" + std::to_string(flood++), "whatever pw", "10.6.6.6", false);
    send("player" + std::to_string(round), "correct horse", "10.1.0." + std::to_string(round), true);
    while (!jobs.empty()) {
      auto [work, done] = std::move(jobs.front());
      jobs.pop_front();
      work();
      done(f.now);
    }
  }
  MESSAGE(ok, " of ", players, " player logins succeeded, ", busy, " answered busy, during ", flood,
          " random-name logins from one address");
  CHECK(ok == players);
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
  store::PwhashParams stronger = store::pwhash_params_minimum();
  stronger.ops_limit += 1;
  store::PasswordHasher new_hasher{stronger};
  LoginService service{f.accounts,     new_hasher,    f.throttle,
                       f.signer,       f.worlds,      {2, std::chrono::seconds(30)},
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
struct AwayStore final : store::AccountStore {
  explicit AwayStore(store::StoreStatus s) : status(s) {}
  std::optional<std::vector<store::Account>> list() override { return std::nullopt; }
  int schema_version() override { return 0; }
  store::StoreStatus status;

 private:
  store::StoreStatus insert(const std::vector<std::string>&, std::string_view, store::UnixTime) override {
    return fail(status, "away");
  }
  store::StoreStatus update_hash(const std::string&, std::string_view) override {
    return fail(status, "away");
  }
  store::StoreStatus swap_hash(const std::string&, std::string_view, std::string_view) override {
    return fail(status, "away");
  }
  store::StoreStatus update_disabled(const std::string&, bool) override { return fail(status, "away"); }
  store::StoreStatus update_last_login(const std::string&, store::UnixTime) override {
    return fail(status, "away");
  }
  Lookup select(const std::string&) override { return {fail(status, "away"), std::nullopt}; }
};

}  // namespace

TEST_CASE("a busy or unreachable account database answers busy or unavailable, at once, without hashing") {
  for (auto [status, expected] : {std::pair{store::StoreStatus::busy, "busy"},
                                  std::pair{store::StoreStatus::unavailable, "unavailable"},
                                  std::pair{store::StoreStatus::database_error, "internal"}}) {
    Fixture f;
    AwayStore away(status);
    int hashes = 0;
    LoginService service{away,           f.hasher,
                         f.throttle,     f.signer,
                         f.worlds,       {2, std::chrono::seconds(30)},
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

namespace {

// Alice seated in `world` as player 5; the seats the service gives up land in `unseated`,
// with how many answers had gone out at that moment.
struct Seated : Fixture {
  SeatMap seats;
  std::vector<Eviction> unseated;
  std::vector<std::size_t> answers_at_unseat;

  explicit Seated(const char* world) {
    service.set_seats(seats, [this](const Eviction& e) {
      unseated.push_back(e);
      answers_at_unseat.push_back(results.size());
    });
    seats.taken("alice", Seat{world, 5, 1'800'000'000, "j1"});
  }
};

}  // namespace

TEST_CASE("a seated account that asks for no other world goes back to its seat, full or not") {
  Seated f("world-2");
  f.worlds.report("world-2", "127.0.0.1:7300", 1, 1, f.now.steady);  // full

  auto id = f.login("alice", "correct horse");
  f.run_jobs();
  REQUIRE(f.result(id).ok);
  CHECK(f.result(id).world_id == "world-2");
  CHECK(f.unseated.empty());
}

TEST_CASE("a seated account logging in for another world has its old seat given up before the token exists") {
  Seated f("world-2");
  f.worlds.report("world-2", "127.0.0.1:7300", 10, 1, f.now.steady);

  auto id = f.login("alice", "correct horse", "world-1");
  f.run_jobs();
  REQUIRE(f.result(id).ok);
  CHECK(f.result(id).world_id == "world-1");
  REQUIRE(f.unseated.size() == 1);
  CHECK(f.unseated[0].account == "alice");
  CHECK(f.unseated[0].seat.world == "world-2");
  CHECK(f.unseated[0].seat.player_id == 5);
  CHECK(f.answers_at_unseat[0] == 0);  // before the answer that carries the token
}

TEST_CASE("a seat in a world that stopped reporting neither binds nor evicts") {
  Seated f("world-9");  // never reported

  auto id = f.login("alice", "correct horse");
  f.run_jobs();
  REQUIRE(f.result(id).ok);
  CHECK(f.result(id).world_id == "world-1");
  CHECK(f.unseated.empty());
}

TEST_CASE("a wrong password never moves a seat") {
  Seated f("world-2");
  f.worlds.report("world-2", "127.0.0.1:7300", 10, 1, f.now.steady);

  auto id = f.login("alice", "wrong horse", "world-1");
  f.run_jobs();
  CHECK_FALSE(f.result(id).ok);
  CHECK(f.unseated.empty());
}
