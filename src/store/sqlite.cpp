#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace gs::store {

SqliteDb::SqliteDb(const std::filesystem::path& path) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(fmt::format("cannot open database {}: {}", path.string(), why));
  }
  sqlite3_extended_result_codes(db_, 1);
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

int SqliteDb::exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

std::string SqliteDb::last_error() const { return sqlite3_errmsg(db_); }

SqliteStmt::SqliteStmt(SqliteDb& db, const char* sql) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK)
    throw SqliteError(fmt::format("cannot prepare statement on {}: {}", db.path().string(), db.last_error()));
}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(stmt_); }

void SqliteStmt::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void SqliteStmt::bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void SqliteStmt::bind_null(int index) { sqlite3_bind_null(stmt_, index); }

int SqliteStmt::step() { return sqlite3_step(stmt_); }

void SqliteStmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t SqliteStmt::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string SqliteStmt::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  const int n = sqlite3_column_bytes(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

bool SqliteStmt::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) {
  began_ = db_.exec("BEGIN IMMEDIATE") == SQLITE_OK;
}

SqliteTransaction::~SqliteTransaction() {
  if (began_ && !done_) db_.exec("ROLLBACK");
}

bool SqliteTransaction::commit() {
  if (!began_ || done_) return false;
  done_ = db_.exec("COMMIT") == SQLITE_OK;
  return done_;
}

}  // namespace gs::store
