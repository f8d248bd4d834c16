#pragma once
// A thin RAII layer over the SQLite C API: a connection and prepared statements.
// Values are always bound, never spliced into SQL text.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace gs::store {

// Thrown when a database cannot be opened or prepared; runtime failures of statements
// are reported as return codes instead.
class SqliteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SqliteDb {
 public:
  // Opens (creating) `path` read-write. Throws SqliteError.
  explicit SqliteDb(const std::filesystem::path& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return db_; }
  // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT). Returns the SQLite code.
  int exec(const char* sql);
  std::string last_error() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class SqliteStmt {
 public:
  // Prepares `sql`. Throws SqliteError (a prepare failure is a programming error).
  SqliteStmt(SqliteDb& db, const char* sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  // Parameters are numbered from 1.
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  void bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ready for new bindings and another run.
  void reset();

  // Columns are numbered from 0.
  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A transaction rolled back unless committed.
class SqliteTransaction {
 public:
  // BEGIN IMMEDIATE: takes the write lock now, so a busy database fails here, early.
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  bool began() const { return began_; }
  bool commit();

 private:
  SqliteDb& db_;
  bool began_ = false;
  bool done_ = false;
};

}  // namespace gs::store
