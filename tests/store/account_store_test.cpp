// The account store tests, run against both backends: every ACCOUNT_TEST body runs
// once on an SQLite file and once on a throwaway PostgreSQL (tests/support), so the two
// stores keep the same behaviour. Backend-only tests follow at the end.

#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include "account_store_test_data.hpp"
#include "store/postgres_account_store.hpp"
#include "store/sqlite_account_store.hpp"
#include "tests/crypto/temp_dir.hpp"
#include "tests/support/throwaway_postgres.hpp"

using namespace gs::store;
using namespace gs::test;
using namespace std::chrono_literals;

namespace {
const std::string hash_b = "$argon2id$v=19$m=8,t=1,p=1$b3RoZXJzYWx0$b3RoZXJoYXNo";

// One database per test, reached through the store and through raw SQL.
struct Backend {
  virtual ~Backend() = default;
  // A new connection to this test's database (created, migrated).
  virtual std::unique_ptr<AccountStore> open() = 0;
  // Raw SQL on the same database: the first value of the first row, or "".
  virtual std::string query(const std::string& sql) = 0;
};

struct SqliteBackend final : Backend {
  temp_dir dir;
  std::unique_ptr<AccountStore> open() override { return std::make_unique<SqliteAccountStore>(dir / "a.db"); }
  std::string query(const std::string& sql) override {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open((dir / "a.db").c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    std::string out;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_text(s, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(h);
    REQUIRE((rc == SQLITE_ROW || rc == SQLITE_DONE));
    return out;
  }
};

struct PostgresBackend final : Backend {
  ThrowawayPostgres& server = ThrowawayPostgres::shared();
  std::string database = server.create_database();
  std::unique_ptr<AccountStore> open() override {
    return std::make_unique<PostgresAccountStore>(settings_for(server, database));
  }
  std::string query(const std::string& sql) override { return server.query(database, sql); }
};

}  // namespace

// Registers `body` twice: on SQLite, and on PostgreSQL (skipped, with a message, when
// its server binaries are not installed).
#define ACCOUNT_TEST(id, title)                                      \
  static void id(Backend& backend);                                  \
  TEST_CASE("sqlite: " title) {                                      \
    SqliteBackend b;                                                 \
    id(b);                                                           \
  }                                                                  \
  TEST_CASE("postgres: " title* doctest::test_suite("postgres") *    \
            doctest::skip(gs::test::ThrowawayPostgres::missing())) { \
    PostgresBackend b;                                               \
    id(b);                                                           \
  }                                                                  \
  static void id(Backend& backend)

ACCOUNT_TEST(schema_versioned, "a new database gets the schema version, once") {
  {
    auto store = backend.open();
    CHECK(store->schema_version() == AccountStore::schema_version_current);
  }
  CHECK(backend.query("SELECT version FROM schema_version") == "1");
  auto again = backend.open();  // reopening does not migrate twice
  CHECK(backend.query("SELECT count(*) FROM schema_version") == "1");
}

ACCOUNT_TEST(add_and_find, "add and find, names normalised") {
  auto store = backend.open();
  CHECK(store->add("Alice", hash_a, t0) == StoreStatus::ok);
  auto r = store->find("ALICE");
  REQUIRE(r.status == StoreStatus::ok);
  CHECK(r.found->name == "alice");
  CHECK(r.found->password_hash == hash_a);
  CHECK(r.found->created_at == t0);
  CHECK_FALSE(r.found->last_login_at);
  CHECK_FALSE(r.found->disabled);
  CHECK(store->find("bob").status == StoreStatus::not_found);
  CHECK(store->find("b").status == StoreStatus::invalid_name);
}

ACCOUNT_TEST(unique_names, "names are unique after normalisation") {
  auto store = backend.open();
  CHECK(store->add("alice", hash_a, t0) == StoreStatus::ok);
  CHECK(store->add("ALICE", hash_b, t0) == StoreStatus::already_exists);
  CHECK(store->last_error() == "account alice already exists");
  CHECK(store->find("alice").found->password_hash == hash_a);
}

ACCOUNT_TEST(invalid_names, "invalid names are refused with the rule in the message") {
  auto store = backend.open();
  CHECK(store->add("x'; DROP TABLE accounts; --", hash_a, t0) == StoreStatus::invalid_name);
  CHECK(store->last_error().find("may contain only") != std::string::npos);
  CHECK(store->add("-x-", hash_a, t0) == StoreStatus::invalid_name);
}

ACCOUNT_TEST(values_verbatim, "values with SQL in them are stored verbatim, never executed") {
  auto store = backend.open();
  const std::string evil = "x'); DROP TABLE accounts; --\"\\";
  CHECK(store->add("mallory", evil, t0) == StoreStatus::ok);
  CHECK(store->find("mallory").found->password_hash == evil);
  CHECK(store->list()->size() == 1);
}

ACCOUNT_TEST(password_swap, "set password, replace hash only if unchanged") {
  auto store = backend.open();
  REQUIRE(store->add("alice", hash_a, t0) == StoreStatus::ok);
  CHECK(store->set_password_hash("Alice", hash_b) == StoreStatus::ok);
  CHECK(store->find("alice").found->password_hash == hash_b);
  CHECK(store->set_password_hash("nobody", hash_b) == StoreStatus::not_found);
  // A rehash computed from the old hash loses to the password change.
  CHECK(store->replace_password_hash("alice", hash_a, "rehashed") == StoreStatus::not_found);
  CHECK(store->find("alice").found->password_hash == hash_b);
  CHECK(store->replace_password_hash("alice", hash_b, "rehashed") == StoreStatus::ok);
  CHECK(store->find("alice").found->password_hash == "rehashed");
}

ACCOUNT_TEST(swap_across_connections, "the rehash compare-and-swap holds between two connections") {
  auto auth_1 = backend.open();
  auto auth_2 = backend.open();
  REQUIRE(auth_1->add("alice", hash_a, t0) == StoreStatus::ok);
  // Both saw hash_a; the administrator's change through one wins over the other's rehash.
  CHECK(auth_1->set_password_hash("alice", hash_b) == StoreStatus::ok);
  CHECK(auth_2->replace_password_hash("alice", hash_a, "rehashed") == StoreStatus::not_found);
  CHECK(auth_2->find("alice").found->password_hash == hash_b);
}

ACCOUNT_TEST(disable_and_login, "disable, enable, record login") {
  auto store = backend.open();
  REQUIRE(store->add("alice", hash_a, t0) == StoreStatus::ok);
  CHECK(store->set_disabled("alice", true) == StoreStatus::ok);
  CHECK(store->find("alice").found->disabled);
  CHECK(store->set_disabled("alice", false) == StoreStatus::ok);
  CHECK_FALSE(store->find("alice").found->disabled);
  CHECK(store->set_disabled("nobody", true) == StoreStatus::not_found);
  CHECK(store->record_login("alice", t0 + 100s) == StoreStatus::ok);
  CHECK(store->find("alice").found->last_login_at == t0 + 100s);
  CHECK(store->record_login("nobody", t0) == StoreStatus::not_found);
}

ACCOUNT_TEST(list_ordered, "list is ordered by name, byte by byte") {
  auto store = backend.open();
  for (const char* n : {"carol", "alice", "bob", "a.bc", "abc"})
    REQUIRE(store->add(n, hash_a, t0) == StoreStatus::ok);
  auto all = store->list();
  REQUIRE(all);
  REQUIRE(all->size() == 5);
  CHECK((*all)[0].name == "a.bc");
  CHECK((*all)[1].name == "abc");
  CHECK((*all)[2].name == "alice");
  CHECK((*all)[3].name == "bob");
  CHECK((*all)[4].name == "carol");
}

ACCOUNT_TEST(bulk_add, "bulk add: PREFIX1..PREFIXN in one transaction, all or nothing") {
  auto store = backend.open();
  CHECK(store->add_numbered("Bot", 1000, hash_a, t0) == StoreStatus::ok);
  CHECK(store->list()->size() == 1000);
  CHECK(store->find("bot1").status == StoreStatus::ok);
  CHECK(store->find("bot1000").status == StoreStatus::ok);
  CHECK(store->find("bot1001").status == StoreStatus::not_found);

  REQUIRE(store->add("load5", hash_a, t0) == StoreStatus::ok);
  REQUIRE(store->add("load7", hash_a, t0) == StoreStatus::ok);
  CHECK(store->add_numbered("load", 10, hash_b, t0) == StoreStatus::already_exists);
  CHECK(store->last_error() == "account load5 already exists");
  CHECK(store->find("load1").status == StoreStatus::not_found);  // rolled back
  CHECK(store->list()->size() == 1002);

  CHECK(store->add_numbered(std::string(31, 'p'), 10, hash_a, t0) == StoreStatus::invalid_name);
  CHECK(store->add_numbered("-x", 3, hash_a, t0) == StoreStatus::invalid_name);
  CHECK(store->add_numbered("ok", 0, hash_a, t0) == StoreStatus::invalid_name);
  CHECK(store->list()->size() == 1002);
}

ACCOUNT_TEST(persists, "data persists across reopening") {
  REQUIRE(backend.open()->add("alice", hash_a, t0) == StoreStatus::ok);
  CHECK(backend.open()->find("alice").found->password_hash == hash_a);
}

ACCOUNT_TEST(two_connections, "two connections on one database: readers see committed writes") {
  auto writer = backend.open();
  auto reader = backend.open();
  REQUIRE(writer->add("alice", hash_a, t0) == StoreStatus::ok);
  CHECK(reader->find("alice").status == StoreStatus::ok);
}

ACCOUNT_TEST(newer_schema, "a database from a newer build is refused with a clear message") {
  backend.open();
  backend.query("UPDATE schema_version SET version = 99");
  CHECK_THROWS_WITH(backend.open(), doctest::Contains("newer than this build"));
}

// SQLite only: the file itself.

TEST_CASE("sqlite: the file is created on first use: folders, 0600, WAL") {
  temp_dir dir;
  auto path = dir / "deep/er/accounts.db";
  { SqliteAccountStore store(path); }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "wal");
  sqlite3_finalize(s);
  sqlite3_close(h);
}

TEST_CASE("sqlite: a file that is not a database is refused") {
  temp_dir dir;
  gs::test::write_text(dir / "a.db", std::string(4096, 'x'));
  CHECK_THROWS_AS(SqliteAccountStore(dir / "a.db"), SqliteError);
}

TEST_CASE("sqlite: an unwritable location is an error naming the path") {
  temp_dir dir;
  gs::test::write_text(dir / "file", "x");
  CHECK_THROWS_WITH_AS(SqliteAccountStore(dir / "file/sub/a.db"), doctest::Contains("file/sub"), SqliteError);
}
