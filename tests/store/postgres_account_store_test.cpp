// What only the PostgreSQL store has: a server to reach, a password, a connection that
// can drop, row locks, processes that start together. The shared behaviour is tested
// in account_store_test.cpp on both backends.

#include <doctest/doctest.h>

#include <libpq-fe.h>
#include <sys/stat.h>

#include <iostream>
#include <thread>

#include "account_store_test_data.hpp"
#include "store/open_account_store.hpp"
#include "store/postgres_account_store.hpp"
#include "tests/crypto/temp_dir.hpp"
#include "tests/support/throwaway_postgres.hpp"

using namespace gs::store;
using namespace gs::test;
using namespace std::chrono_literals;

namespace {}  // namespace

TEST_CASE("postgres: an unreachable server is an error naming it") {
  PostgresSettings s;
  // A closed port on loopback: refused at once.
  s.conninfo = "host=127.0.0.1 port=1 dbname=gameserver user=gameserver";
  s.connect_timeout = 2s;
  CHECK_THROWS_WITH_AS(PostgresAccountStore{s}, doctest::Contains("127.0.0.1:1/gameserver"), PostgresError);
}

TEST_CASE("postgres: a malformed connection string is an error" * doctest::skip(false)) {
  PostgresSettings s;
  s.conninfo = "hots=localhost";
  CHECK_THROWS_WITH_AS(PostgresAccountStore{s}, doctest::Contains("hots"), PostgresError);
}

TEST_CASE("postgres: a password file must be private; one trailing newline is removed") {
  temp_dir dir;
  gs::test::write_text(dir / "pw", "s3cret pass\n");
  ::chmod((dir / "pw").c_str(), 0644);
  CHECK_THROWS_WITH_AS(read_password_file(dir / "pw"), doctest::Contains("chmod 600"), PostgresError);
  ::chmod((dir / "pw").c_str(), 0600);
  CHECK(read_password_file(dir / "pw") == "s3cret pass");
  gs::test::write_text(dir / "empty", "\n");
  ::chmod((dir / "empty").c_str(), 0600);
  CHECK_THROWS_WITH_AS(read_password_file(dir / "empty"), doctest::Contains("empty"), PostgresError);
  CHECK_THROWS_WITH_AS(read_password_file(dir / "missing"), doctest::Contains("missing"), PostgresError);
}

TEST_CASE("postgres: the config picks the backend, the password comes from the file" *
          doctest::skip(gs::test::ThrowawayPostgres::missing())) {
  auto& server = ThrowawayPostgres::shared();
  temp_dir dir;
  gs::test::write_text(dir / "pw", server.password() + "\n");
  ::chmod((dir / "pw").c_str(), 0600);
  gs::config::AuthConfig auth;
  auth.account_store = gs::config::AccountBackend::postgres;
  auth.postgres.conninfo = server.conninfo(server.create_database());
  auth.postgres.password_file = dir / "pw";
  auth.database = dir / "must-not-exist.db";
  auto store = open_account_store(auth);
  CHECK(store->add("alice", hash_a, t0) == StoreStatus::ok);
  CHECK(dynamic_cast<PostgresAccountStore*>(store.get()) != nullptr);
  CHECK_FALSE(std::filesystem::exists(auth.database));

  gs::test::write_text(dir / "pw", "wrong password\n");
  CHECK_THROWS_WITH_AS(open_account_store(auth), doctest::Contains("password authentication failed"),
                       PostgresError);
}

TEST_CASE("postgres: a lost connection answers unavailable, then the store reconnects" *
          doctest::skip(gs::test::ThrowawayPostgres::missing())) {
  auto& server = ThrowawayPostgres::shared();
  PostgresAccountStore store(settings_for(server, server.create_database()));
  REQUIRE(store.add("alice", hash_a, t0) == StoreStatus::ok);

  server.stop();
  CHECK(store.find("alice").status == StoreStatus::unavailable);
  CHECK(store.last_error().find("unavailable") != std::string::npos);
  CHECK(store.record_login("alice", t0) == StoreStatus::unavailable);
  CHECK_FALSE(store.list());
  server.start();

  // Reconnects are spaced by retry_interval (50 ms here) and advance a little per call.
  StoreStatus status = StoreStatus::unavailable;
  for (int i = 0; i < 200 && status != StoreStatus::ok; ++i) {
    status = store.find("alice").status;
    if (status != StoreStatus::ok) std::this_thread::sleep_for(10ms);
  }
  CHECK(status == StoreStatus::ok);
  CHECK(store.record_login("alice", t0 + 1s) == StoreStatus::ok);
}

TEST_CASE("postgres: a row locked longer than busy_timeout answers busy" *
          doctest::skip(gs::test::ThrowawayPostgres::missing())) {
  auto& server = ThrowawayPostgres::shared();
  const auto database = server.create_database();
  PostgresAccountStore store(settings_for(server, database));
  REQUIRE(store.add("alice", hash_a, t0) == StoreStatus::ok);

  // Another session holds alice's row in an open transaction.
  const char* keys[] = {"dbname", "password", nullptr};
  const std::string info = server.conninfo(database);
  const char* values[] = {info.c_str(), server.password().c_str(), nullptr};
  PGconn* other = PQconnectdbParams(keys, values, 1);
  REQUIRE(PQstatus(other) == CONNECTION_OK);
  PQclear(PQexec(other, "BEGIN"));
  PQclear(PQexec(other, "SELECT * FROM accounts WHERE name = 'alice' FOR UPDATE"));

  auto started = std::chrono::steady_clock::now();
  CHECK(store.set_disabled("alice", true) == StoreStatus::busy);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(store.find("alice").status == StoreStatus::ok);  // readers are not blocked

  PQclear(PQexec(other, "ROLLBACK"));
  PQfinish(other);
  CHECK(store.set_disabled("alice", true) == StoreStatus::ok);
}

TEST_CASE("postgres: auth processes starting together migrate once" *
          doctest::skip(gs::test::ThrowawayPostgres::missing())) {
  auto& server = ThrowawayPostgres::shared();
  const auto database = server.create_database();
  std::vector<std::thread> starters;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i)
    starters.emplace_back([&] {
      try {
        PostgresAccountStore store(settings_for(server, database));
        ++opened;
      } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
      }
    });
  for (auto& t : starters) t.join();
  CHECK(opened == 4);
  CHECK(server.query(database, "SELECT count(*) FROM schema_version") == "1");
  CHECK(server.query(database, "SELECT version FROM schema_version") == "1");
}
