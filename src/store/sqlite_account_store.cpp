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
static_assert(std::size(migrations) == AccountStore::schema_version_current);

std::filesystem::path prepare_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      throw SqliteError(fmt::format("cannot create folder {} for the account database: {}",
                                    path.parent_path().string(), ec.message()));
  }
  // Created 0600 before SQLite opens it; its -wal and -shm files copy this mode.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw SqliteError(
        fmt::format("cannot open account database {}: {}", path.string(), std::strerror(errno)));
  ::close(fd);
  return path;
}

Account read_account(const SqliteStmt& s) {
  Account a;
  a.id = s.column_int(0);
  a.name = s.column_text(1);
  a.password_hash = s.column_text(2);
  a.created_at = UnixTime(std::chrono::seconds(s.column_int(3)));
  if (!s.column_is_null(4)) a.last_login_at = UnixTime(std::chrono::seconds(s.column_int(4)));
  a.disabled = s.column_int(5) != 0;
  return a;
}

constexpr const char* select_columns =
    "SELECT id, name, password_hash, created_at, last_login_at, disabled FROM accounts";

}  // namespace

struct SqliteAccountStore::Statements {
  explicit Statements(SqliteDb& db)
      : insert(db, "INSERT INTO accounts (name, password_hash, created_at) VALUES (?1, ?2, ?3)"),
        find(db, (std::string(select_columns) + " WHERE name = ?1").c_str()),
        list(db, (std::string(select_columns) + " ORDER BY name").c_str()),
        set_hash(db, "UPDATE accounts SET password_hash = ?2 WHERE name = ?1"),
        replace_hash(db, "UPDATE accounts SET password_hash = ?3 WHERE name = ?1 AND password_hash = ?2"),
        set_disabled(db, "UPDATE accounts SET disabled = ?2 WHERE name = ?1"),
        record_login(db, "UPDATE accounts SET last_login_at = ?2 WHERE name = ?1") {}
  SqliteStmt insert, find, list, set_hash, replace_hash, set_disabled, record_login;
};

SqliteAccountStore::SqliteAccountStore(const std::filesystem::path& path, StoreOptions options)
    : db_(prepare_file(path)) {
  sqlite3_busy_timeout(db_.handle(), static_cast<int>(options.busy_timeout.count()));
  {
    SqliteStmt wal(db_, "PRAGMA journal_mode = WAL");
    if (wal.step() != SQLITE_ROW || wal.column_text(0) != "wal")
      throw SqliteError(fmt::format("cannot switch {} to WAL mode: {}", path.string(), db_.last_error()));
  }
  if (db_.exec("PRAGMA synchronous = NORMAL") != SQLITE_OK ||
      db_.exec("PRAGMA foreign_keys = ON") != SQLITE_OK)
    throw SqliteError(fmt::format("cannot configure {}: {}", path.string(), db_.last_error()));
  migrate();
  stmts_ = std::make_unique<Statements>(db_);
}

SqliteAccountStore::~SqliteAccountStore() = default;

void SqliteAccountStore::migrate() {
  SqliteTransaction tx(db_);
  if (!tx.began())
    throw SqliteError(
        fmt::format("cannot lock {} to check its schema: {}", db_.path().string(), db_.last_error()));
  if (db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") != SQLITE_OK)
    throw SqliteError(
        fmt::format("{} is not an account database: {}", db_.path().string(), db_.last_error()));
  int version = 0;
  bool has_row = false;
  {
    SqliteStmt q(db_, "SELECT version FROM schema_version");
    if (q.step() == SQLITE_ROW) {
      version = static_cast<int>(q.column_int(0));
      has_row = true;
    }
  }
  if (version > schema_version_current)
    throw SqliteError(
        fmt::format("{} has schema version {}, newer than this build understands ({}); "
                    "use a newer gameserver",
                    db_.path().string(), version, schema_version_current));
  for (int v = version; v < schema_version_current; ++v) {
    if (db_.exec(migrations[v]) != SQLITE_OK)
      throw SqliteError(fmt::format("migrating {} to schema version {} failed: {}", db_.path().string(),
                                    v + 1, db_.last_error()));
  }
  if (version != schema_version_current) {
    SqliteStmt u(db_, has_row ? "UPDATE schema_version SET version = ?1"
                              : "INSERT INTO schema_version (version) VALUES (?1)");
    u.bind(1, static_cast<std::int64_t>(schema_version_current));
    if (u.step() != SQLITE_DONE)
      throw SqliteError(
          fmt::format("cannot record the schema version in {}: {}", db_.path().string(), db_.last_error()));
  }
  if (!tx.commit())
    throw SqliteError(
        fmt::format("cannot commit the schema of {}: {}", db_.path().string(), db_.last_error()));
}

int SqliteAccountStore::schema_version() {
  SqliteStmt q(db_, "SELECT version FROM schema_version");
  return q.step() == SQLITE_ROW ? static_cast<int>(q.column_int(0)) : 0;
}

StoreStatus SqliteAccountStore::from_sqlite(int rc, std::string_view what) {
  if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK) return StoreStatus::ok;
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return fail(StoreStatus::busy, fmt::format("{}: database is busy", what));
  return fail(StoreStatus::database_error, fmt::format("{}: {}", what, db_.last_error()));
}

StoreStatus SqliteAccountStore::insert_one(const std::string& name, std::string_view password_hash,
                                           UnixTime now) {
  auto& s = stmts_->insert;
  s.reset();
  s.bind(1, name);
  s.bind(2, password_hash);
  s.bind(3, seconds(now));
  int rc = s.step();
  s.reset();
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    return fail(StoreStatus::already_exists, fmt::format("account {} already exists", name));
  return from_sqlite(rc, fmt::format("adding account {}", name));
}

StoreStatus SqliteAccountStore::insert(const std::vector<std::string>& names, std::string_view password_hash,
                                       UnixTime now) {
  if (names.size() == 1) return insert_one(names.front(), password_hash, now);
  SqliteTransaction tx(db_);
  if (!tx.began()) return from_sqlite(sqlite3_errcode(db_.handle()), "starting a bulk add");
  for (const auto& name : names) {
    if (auto st = insert_one(name, password_hash, now); st != StoreStatus::ok) return st;
  }
  if (!tx.commit()) return from_sqlite(sqlite3_errcode(db_.handle()), "committing a bulk add");
  return StoreStatus::ok;
}

StoreStatus SqliteAccountStore::update_one(SqliteStmt& s, const std::string& name) {
  int rc = s.step();
  s.reset();
  if (auto st = from_sqlite(rc, fmt::format("updating account {}", name)); st != StoreStatus::ok) return st;
  if (sqlite3_changes(db_.handle()) == 0)
    return fail(StoreStatus::not_found, fmt::format("no account named {}", name));
  return StoreStatus::ok;
}

StoreStatus SqliteAccountStore::update_hash(const std::string& name, std::string_view password_hash) {
  auto& s = stmts_->set_hash;
  s.reset();
  s.bind(1, name);
  s.bind(2, password_hash);
  return update_one(s, name);
}

StoreStatus SqliteAccountStore::swap_hash(const std::string& name, std::string_view expected_old,
                                          std::string_view new_hash) {
  auto& s = stmts_->replace_hash;
  s.reset();
  s.bind(1, name);
  s.bind(2, expected_old);
  s.bind(3, new_hash);
  return update_one(s, name);
}

StoreStatus SqliteAccountStore::update_disabled(const std::string& name, bool disabled) {
  auto& s = stmts_->set_disabled;
  s.reset();
  s.bind(1, name);
  s.bind(2, static_cast<std::int64_t>(disabled ? 1 : 0));
  return update_one(s, name);
}

StoreStatus SqliteAccountStore::update_last_login(const std::string& name, UnixTime now) {
  auto& s = stmts_->record_login;
  s.reset();
  s.bind(1, name);
  s.bind(2, seconds(now));
  return update_one(s, name);
}

AccountStore::Lookup SqliteAccountStore::select(const std::string& name) {
  auto& s = stmts_->find;
  s.reset();
  s.bind(1, name);
  int rc = s.step();
  Lookup out;
  if (rc == SQLITE_ROW) {
    out = {StoreStatus::ok, read_account(s)};
  } else if (rc == SQLITE_DONE) {
    out = {fail(StoreStatus::not_found, fmt::format("no account named {}", name)), std::nullopt};
  } else {
    out = {from_sqlite(rc, fmt::format("looking up account {}", name)), std::nullopt};
  }
  s.reset();
  return out;
}

std::optional<std::vector<Account>> SqliteAccountStore::list() {
  auto& s = stmts_->list;
  s.reset();
  std::vector<Account> out;
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
