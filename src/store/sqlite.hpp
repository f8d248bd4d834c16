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
class sqlite_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class sqlite_db {
public:
    // Opens (creating) `path` read-write. Throws sqlite_error.
    explicit sqlite_db(const std::filesystem::path& path);
    ~sqlite_db();
    sqlite_db(const sqlite_db&) = delete;
    sqlite_db& operator=(const sqlite_db&) = delete;

    sqlite3* handle() const { return db_; }
    // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT). Returns the SQLite code.
    int exec(const char* sql);
    std::string last_error() const;
    const std::filesystem::path& path() const { return path_; }

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
};

class sqlite_stmt {
public:
    // Prepares `sql`. Throws sqlite_error (a prepare failure is a programming error).
    sqlite_stmt(sqlite_db& db, const char* sql);
    ~sqlite_stmt();
    sqlite_stmt(const sqlite_stmt&) = delete;
    sqlite_stmt& operator=(const sqlite_stmt&) = delete;

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
class sqlite_transaction {
public:
    // BEGIN IMMEDIATE: takes the write lock now, so a busy database fails here, early.
    explicit sqlite_transaction(sqlite_db& db);
    ~sqlite_transaction();
    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;

    bool began() const { return began_; }
    bool commit();

private:
    sqlite_db& db_;
    bool began_ = false;
    bool done_ = false;
};

}  // namespace gs::store
