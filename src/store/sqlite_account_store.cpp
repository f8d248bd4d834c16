#include "store/sqlite_account_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace gs::store {
namespace {

// Migration N brings a database from version N-1 to N. Append only; never edit a
// released entry.
constexpr const char* migrations[] = {
    // 1: accounts
    "CREATE TABLE accounts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  last_login_at INTEGER,"
    "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
    ")",
};
static_assert(std::size(migrations) == account_store::schema_version_current);

std::filesystem::path prepare_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec)
            throw sqlite_error(fmt::format("cannot create folder {} for the account database: {}",
                                           path.parent_path().string(), ec.message()));
    }
    // Created 0600 before SQLite opens it; its -wal and -shm files copy this mode.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw sqlite_error(fmt::format("cannot open account database {}: {}", path.string(),
                                       std::strerror(errno)));
    ::close(fd);
    return path;
}

account read_account(const sqlite_stmt& s) {
    account a;
    a.id = s.column_int(0);
    a.name = s.column_text(1);
    a.password_hash = s.column_text(2);
    a.created_at = unix_time(std::chrono::seconds(s.column_int(3)));
    if (!s.column_is_null(4)) a.last_login_at = unix_time(std::chrono::seconds(s.column_int(4)));
    a.disabled = s.column_int(5) != 0;
    return a;
}

constexpr const char* select_columns =
    "SELECT id, name, password_hash, created_at, last_login_at, disabled FROM accounts";

}  // namespace

struct sqlite_account_store::statements {
    explicit statements(sqlite_db& db)
        : insert(db, "INSERT INTO accounts (name, password_hash, created_at) VALUES (?1, ?2, ?3)"),
          find(db, (std::string(select_columns) + " WHERE name = ?1").c_str()),
          list(db, (std::string(select_columns) + " ORDER BY name").c_str()),
          set_hash(db, "UPDATE accounts SET password_hash = ?2 WHERE name = ?1"),
          replace_hash(db, "UPDATE accounts SET password_hash = ?3 WHERE name = ?1 AND password_hash = ?2"),
          set_disabled(db, "UPDATE accounts SET disabled = ?2 WHERE name = ?1"),
          record_login(db, "UPDATE accounts SET last_login_at = ?2 WHERE name = ?1") {}
    sqlite_stmt insert, find, list, set_hash, replace_hash, set_disabled, record_login;
};

sqlite_account_store::sqlite_account_store(const std::filesystem::path& path, store_options options)
    : db_(prepare_file(path)) {
    sqlite3_busy_timeout(db_.handle(), static_cast<int>(options.busy_timeout.count()));
    {
        sqlite_stmt wal(db_, "PRAGMA journal_mode = WAL");
        if (wal.step() != SQLITE_ROW || wal.column_text(0) != "wal")
            throw sqlite_error(fmt::format("cannot switch {} to WAL mode: {}", path.string(),
                                           db_.last_error()));
    }
    if (db_.exec("PRAGMA synchronous = NORMAL") != SQLITE_OK ||
        db_.exec("PRAGMA foreign_keys = ON") != SQLITE_OK)
        throw sqlite_error(fmt::format("cannot configure {}: {}", path.string(), db_.last_error()));
    migrate();
    stmts_ = std::make_unique<statements>(db_);
}

sqlite_account_store::~sqlite_account_store() = default;

void sqlite_account_store::migrate() {
    sqlite_transaction tx(db_);
    if (!tx.began())
        throw sqlite_error(fmt::format("cannot lock {} to check its schema: {}",
                                       db_.path().string(), db_.last_error()));
    if (db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") != SQLITE_OK)
        throw sqlite_error(fmt::format("{} is not an account database: {}", db_.path().string(),
                                       db_.last_error()));
    int version = 0;
    bool has_row = false;
    {
        sqlite_stmt q(db_, "SELECT version FROM schema_version");
        if (q.step() == SQLITE_ROW) {
            version = static_cast<int>(q.column_int(0));
            has_row = true;
        }
    }
    if (version > schema_version_current)
        throw sqlite_error(fmt::format(
            "{} has schema version {}, newer than this build understands ({}); "
            "use a newer gameserver",
            db_.path().string(), version, schema_version_current));
    for (int v = version; v < schema_version_current; ++v) {
        if (db_.exec(migrations[v]) != SQLITE_OK)
            throw sqlite_error(fmt::format("migrating {} to schema version {} failed: {}",
                                           db_.path().string(), v + 1, db_.last_error()));
    }
    if (version != schema_version_current) {
        sqlite_stmt u(db_, has_row ? "UPDATE schema_version SET version = ?1"
                                   : "INSERT INTO schema_version (version) VALUES (?1)");
        u.bind(1, static_cast<std::int64_t>(schema_version_current));
        if (u.step() != SQLITE_DONE)
            throw sqlite_error(fmt::format("cannot record the schema version in {}: {}",
                                           db_.path().string(), db_.last_error()));
    }
    if (!tx.commit())
        throw sqlite_error(fmt::format("cannot commit the schema of {}: {}", db_.path().string(),
                                       db_.last_error()));
}

int sqlite_account_store::schema_version() {
    sqlite_stmt q(db_, "SELECT version FROM schema_version");
    return q.step() == SQLITE_ROW ? static_cast<int>(q.column_int(0)) : 0;
}

store_status sqlite_account_store::from_sqlite(int rc, std::string_view what) {
    if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK) return store_status::ok;
    const int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return fail(store_status::busy, fmt::format("{}: database is busy", what));
    return fail(store_status::database_error, fmt::format("{}: {}", what, db_.last_error()));
}

store_status sqlite_account_store::insert_one(const std::string& name, std::string_view password_hash,
                                              unix_time now) {
    auto& s = stmts_->insert;
    s.reset();
    s.bind(1, name);
    s.bind(2, password_hash);
    s.bind(3, seconds(now));
    int rc = s.step();
    s.reset();
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return fail(store_status::already_exists, fmt::format("account {} already exists", name));
    return from_sqlite(rc, fmt::format("adding account {}", name));
}

store_status sqlite_account_store::insert(const std::vector<std::string>& names,
                                          std::string_view password_hash, unix_time now) {
    if (names.size() == 1) return insert_one(names.front(), password_hash, now);
    sqlite_transaction tx(db_);
    if (!tx.began()) return from_sqlite(sqlite3_errcode(db_.handle()), "starting a bulk add");
    for (const auto& name : names) {
        if (auto st = insert_one(name, password_hash, now); st != store_status::ok) return st;
    }
    if (!tx.commit()) return from_sqlite(sqlite3_errcode(db_.handle()), "committing a bulk add");
    return store_status::ok;
}

store_status sqlite_account_store::update_one(sqlite_stmt& s, const std::string& name) {
    int rc = s.step();
    s.reset();
    if (auto st = from_sqlite(rc, fmt::format("updating account {}", name)); st != store_status::ok)
        return st;
    if (sqlite3_changes(db_.handle()) == 0)
        return fail(store_status::not_found, fmt::format("no account named {}", name));
    return store_status::ok;
}

store_status sqlite_account_store::update_hash(const std::string& name, std::string_view password_hash) {
    auto& s = stmts_->set_hash;
    s.reset();
    s.bind(1, name);
    s.bind(2, password_hash);
    return update_one(s, name);
}

store_status sqlite_account_store::swap_hash(const std::string& name, std::string_view expected_old,
                                             std::string_view new_hash) {
    auto& s = stmts_->replace_hash;
    s.reset();
    s.bind(1, name);
    s.bind(2, expected_old);
    s.bind(3, new_hash);
    return update_one(s, name);
}

store_status sqlite_account_store::update_disabled(const std::string& name, bool disabled) {
    auto& s = stmts_->set_disabled;
    s.reset();
    s.bind(1, name);
    s.bind(2, static_cast<std::int64_t>(disabled ? 1 : 0));
    return update_one(s, name);
}

store_status sqlite_account_store::update_last_login(const std::string& name, unix_time now) {
    auto& s = stmts_->record_login;
    s.reset();
    s.bind(1, name);
    s.bind(2, seconds(now));
    return update_one(s, name);
}

account_store::lookup sqlite_account_store::select(const std::string& name) {
    auto& s = stmts_->find;
    s.reset();
    s.bind(1, name);
    int rc = s.step();
    lookup out;
    if (rc == SQLITE_ROW) {
        out = {store_status::ok, read_account(s)};
    } else if (rc == SQLITE_DONE) {
        out = {fail(store_status::not_found, fmt::format("no account named {}", name)), std::nullopt};
    } else {
        out = {from_sqlite(rc, fmt::format("looking up account {}", name)), std::nullopt};
    }
    s.reset();
    return out;
}

std::optional<std::vector<account>> sqlite_account_store::list() {
    auto& s = stmts_->list;
    s.reset();
    std::vector<account> out;
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_account(s));
    s.reset();
    if (rc != SQLITE_DONE) {
        from_sqlite(rc, "listing accounts");
        return std::nullopt;
    }
    return out;
}

}  // namespace gs::store
