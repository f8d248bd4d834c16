#pragma once
// The account store in an SQLite file (the default backend).
//
// The file (and its parent folders) is created on first use, mode 0600 since it holds
// password hashes; WAL journal; a schema_version table and numbered migrations bring
// older files up to date when opened, and a file from a newer build is refused.
// Several stores, in threads or processes, may open the same file: WAL lets readers
// proceed while one writer writes, and a writer waits at most `busy_timeout` for
// another before the call returns store_status::busy. Calls take microseconds to a
// millisecond (one indexed row); bulk adds take longer and belong on the command line.

#include <filesystem>
#include <memory>

#include "store/account_store.hpp"
#include "store/sqlite.hpp"

namespace gs::store {

class sqlite_account_store final : public account_store {
public:
    // Opens or creates the database and migrates it. Throws sqlite_error with the path and
    // cause (unwritable folder, not a database, schema from a newer build...).
    explicit sqlite_account_store(const std::filesystem::path& path, store_options options = {});
    ~sqlite_account_store() override;

    std::optional<std::vector<account>> list() override;
    int schema_version() override;

private:
    struct statements;

    store_status insert(const std::vector<std::string>& names, std::string_view password_hash,
                        unix_time now) override;
    store_status update_hash(const std::string& name, std::string_view password_hash) override;
    store_status swap_hash(const std::string& name, std::string_view expected_old,
                           std::string_view new_hash) override;
    store_status update_disabled(const std::string& name, bool disabled) override;
    store_status update_last_login(const std::string& name, unix_time now) override;
    lookup select(const std::string& name) override;

    void migrate();
    store_status from_sqlite(int rc, std::string_view what);
    store_status insert_one(const std::string& name, std::string_view password_hash, unix_time now);
    store_status update_one(sqlite_stmt& stmt, const std::string& name);

    sqlite_db db_;
    std::unique_ptr<statements> stmts_;
};

}  // namespace gs::store
