#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include "store/account_store.hpp"
#include "tests/crypto/temp_dir.hpp"

using namespace gs::store;
using gs::test::temp_dir;
using namespace std::chrono_literals;

namespace {
const unix_time t0{std::chrono::seconds(1'800'000'000)};
const std::string hash_a = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
const std::string hash_b = "$argon2id$v=19$m=8,t=1,p=1$b3RoZXJzYWx0$b3RoZXJoYXNo";

std::string pragma(const std::filesystem::path& db, const char* sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql, -1, &s, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(h);
    return out;
}
}  // namespace

TEST_CASE("the database is created on first use: folders, 0600, WAL, schema version") {
    temp_dir dir;
    auto path = dir / "deep/er/accounts.db";
    {
        account_store store(path);
        CHECK(store.schema_version() == account_store::schema_version_current);
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(pragma(path, "PRAGMA journal_mode") == "wal");
    CHECK(pragma(path, "SELECT version FROM schema_version") == "1");
    CHECK(pragma(path, "SELECT count(*) FROM schema_version") == "1");
    account_store again(path);  // reopening does not migrate twice
    CHECK(pragma(path, "SELECT count(*) FROM schema_version") == "1");
}

TEST_CASE("add and find, names normalised") {
    temp_dir dir;
    account_store store(dir / "a.db");
    CHECK(store.add("Alice", hash_a, t0) == store_status::ok);
    auto r = store.find("ALICE");
    REQUIRE(r.status == store_status::ok);
    CHECK(r.found->name == "alice");
    CHECK(r.found->password_hash == hash_a);
    CHECK(r.found->created_at == t0);
    CHECK_FALSE(r.found->last_login_at);
    CHECK_FALSE(r.found->disabled);
    CHECK(store.find("bob").status == store_status::not_found);
    CHECK(store.find("b").status == store_status::invalid_name);
}

TEST_CASE("names are unique after normalisation") {
    temp_dir dir;
    account_store store(dir / "a.db");
    CHECK(store.add("alice", hash_a, t0) == store_status::ok);
    CHECK(store.add("ALICE", hash_b, t0) == store_status::already_exists);
    CHECK(store.last_error() == "account alice already exists");
    CHECK(store.find("alice").found->password_hash == hash_a);
}

TEST_CASE("invalid names are refused with the rule in the message") {
    temp_dir dir;
    account_store store(dir / "a.db");
    CHECK(store.add("x'; DROP TABLE accounts; --", hash_a, t0) == store_status::invalid_name);
    CHECK(store.last_error().find("may contain only") != std::string::npos);
    CHECK(store.add("-x-", hash_a, t0) == store_status::invalid_name);
}

TEST_CASE("values with SQL in them are stored verbatim, never executed") {
    temp_dir dir;
    account_store store(dir / "a.db");
    const std::string evil = "x'); DROP TABLE accounts; --\"";
    CHECK(store.add("mallory", evil, t0) == store_status::ok);
    CHECK(store.find("mallory").found->password_hash == evil);
    CHECK(store.list()->size() == 1);
}

TEST_CASE("set password, replace hash only if unchanged") {
    temp_dir dir;
    account_store store(dir / "a.db");
    REQUIRE(store.add("alice", hash_a, t0) == store_status::ok);
    CHECK(store.set_password_hash("Alice", hash_b) == store_status::ok);
    CHECK(store.find("alice").found->password_hash == hash_b);
    CHECK(store.set_password_hash("nobody", hash_b) == store_status::not_found);
    // A rehash computed from the old hash loses to the password change.
    CHECK(store.replace_password_hash("alice", hash_a, "rehashed") == store_status::not_found);
    CHECK(store.find("alice").found->password_hash == hash_b);
    CHECK(store.replace_password_hash("alice", hash_b, "rehashed") == store_status::ok);
    CHECK(store.find("alice").found->password_hash == "rehashed");
}

TEST_CASE("disable, enable, record login") {
    temp_dir dir;
    account_store store(dir / "a.db");
    REQUIRE(store.add("alice", hash_a, t0) == store_status::ok);
    CHECK(store.set_disabled("alice", true) == store_status::ok);
    CHECK(store.find("alice").found->disabled);
    CHECK(store.set_disabled("alice", false) == store_status::ok);
    CHECK_FALSE(store.find("alice").found->disabled);
    CHECK(store.set_disabled("nobody", true) == store_status::not_found);
    CHECK(store.record_login("alice", t0 + 100s) == store_status::ok);
    CHECK(store.find("alice").found->last_login_at == t0 + 100s);
    CHECK(store.record_login("nobody", t0) == store_status::not_found);
}

TEST_CASE("list is ordered by name") {
    temp_dir dir;
    account_store store(dir / "a.db");
    for (const char* n : {"carol", "alice", "bob"}) REQUIRE(store.add(n, hash_a, t0) == store_status::ok);
    auto all = store.list();
    REQUIRE(all);
    REQUIRE(all->size() == 3);
    CHECK((*all)[0].name == "alice");
    CHECK((*all)[1].name == "bob");
    CHECK((*all)[2].name == "carol");
}

TEST_CASE("bulk add: PREFIX1..PREFIXN in one transaction, all or nothing") {
    temp_dir dir;
    account_store store(dir / "a.db");
    CHECK(store.add_numbered("Bot", 1000, hash_a, t0) == store_status::ok);
    CHECK(store.list()->size() == 1000);
    CHECK(store.find("bot1").status == store_status::ok);
    CHECK(store.find("bot1000").status == store_status::ok);
    CHECK(store.find("bot1001").status == store_status::not_found);

    REQUIRE(store.add("load5", hash_a, t0) == store_status::ok);
    CHECK(store.add_numbered("load", 10, hash_b, t0) == store_status::already_exists);
    CHECK(store.last_error() == "account load5 already exists");
    CHECK(store.find("load1").status == store_status::not_found);  // rolled back
    CHECK(store.list()->size() == 1001);

    CHECK(store.add_numbered(std::string(31, 'p'), 10, hash_a, t0) == store_status::invalid_name);
    CHECK(store.add_numbered("-x", 3, hash_a, t0) == store_status::invalid_name);
    CHECK(store.add_numbered("ok", 0, hash_a, t0) == store_status::invalid_name);
    CHECK(store.list()->size() == 1001);
}

TEST_CASE("data persists across reopening") {
    temp_dir dir;
    {
        account_store store(dir / "a.db");
        REQUIRE(store.add("alice", hash_a, t0) == store_status::ok);
    }
    account_store store(dir / "a.db");
    CHECK(store.find("alice").found->password_hash == hash_a);
}

TEST_CASE("two connections on one file: WAL readers see committed writes") {
    temp_dir dir;
    account_store writer(dir / "a.db");
    account_store reader(dir / "a.db");
    REQUIRE(writer.add("alice", hash_a, t0) == store_status::ok);
    CHECK(reader.find("alice").status == store_status::ok);
}

TEST_CASE("a database from a newer build is refused with a clear message") {
    temp_dir dir;
    { account_store store(dir / "a.db"); }
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open((dir / "a.db").c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
    CHECK_THROWS_WITH_AS(account_store(dir / "a.db"), doctest::Contains("newer than this build"),
                         sqlite_error);
}

TEST_CASE("a file that is not a database is refused") {
    temp_dir dir;
    gs::test::write_text(dir / "a.db", std::string(4096, 'x'));
    CHECK_THROWS_AS(account_store(dir / "a.db"), sqlite_error);
}

TEST_CASE("an unwritable location is an error naming the path") {
    temp_dir dir;
    gs::test::write_text(dir / "file", "x");
    CHECK_THROWS_WITH_AS(account_store(dir / "file/sub/a.db"), doctest::Contains("file/sub"),
                         sqlite_error);
}
