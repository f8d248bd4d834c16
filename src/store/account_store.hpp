#pragma once
// Accounts in an SQLite file: unique normalised name, Argon2id hash string, creation and
// last-login times, disabled flag.
//
// The file (and its parent folders) is created on first use, mode 0600 since it holds
// password hashes; WAL journal; a schema_version table and numbered migrations bring
// older files up to date when opened, and a file from a newer build is refused.
//
// Names given to every method are normalised first (account_rules.hpp), so "Alice" finds
// "alice". Every value reaches SQL through bound parameters.
//
// Threads: an account_store is one SQLite connection and is not safe to share between
// threads without outside locking; give each thread its own (the auth role uses one on
// its event loop thread and hashes on workers, passing only strings across). Several
// stores, in threads or processes, may open the same file: WAL lets readers proceed
// while one writer writes, and a writer waits at most `busy_timeout` for another before
// the call returns store_status::busy. Calls take microseconds to a millisecond (one
// indexed row); bulk adds take longer and belong on the command line, not the loop.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace gs::store {

using unix_time = std::chrono::sys_seconds;

struct account {
    std::int64_t id = 0;
    std::string name;           // normalised
    std::string password_hash;  // PHC string, see password_hash.hpp
    unix_time created_at{};
    std::optional<unix_time> last_login_at;
    bool disabled = false;
};

enum class store_status : std::uint8_t {
    ok,
    not_found,       // no account with that name (or the expected hash changed meanwhile)
    already_exists,  // an account with that name exists
    invalid_name,    // the name breaks the naming rule
    busy,            // another writer held the database longer than busy_timeout
    database_error,  // anything else SQLite reported; see last_error()
};

std::string_view to_string(store_status s);

struct store_options {
    // How long a write waits for another connection's write to finish.
    std::chrono::milliseconds busy_timeout{1000};
};

class account_store {
public:
    static constexpr int schema_version_current = 1;

    // Opens or creates the database and migrates it. Throws sqlite_error with the path and
    // cause (unwritable folder, not a database, schema from a newer build...).
    explicit account_store(const std::filesystem::path& path, store_options options = {});
    ~account_store();
    account_store(const account_store&) = delete;
    account_store& operator=(const account_store&) = delete;

    // New account `name` with `password_hash`, created at `now`.
    store_status add(std::string_view name, std::string_view password_hash, unix_time now);

    // Accounts PREFIX1..PREFIXcount, all with `password_hash`, in one transaction: all are
    // added or none (already_exists names the first clash in last_error()). For load tests.
    store_status add_numbered(std::string_view prefix, std::size_t count,
                              std::string_view password_hash, unix_time now);

    // Replaces the hash (a password change by an administrator).
    store_status set_password_hash(std::string_view name, std::string_view password_hash);

    // Replaces the hash only while it is still `expected_old`: the rehash after a login
    // with old parameters must not undo a password change made in the meantime.
    // not_found when the account is gone or its hash changed.
    store_status replace_password_hash(std::string_view name, std::string_view expected_old,
                                       std::string_view new_hash);

    store_status set_disabled(std::string_view name, bool disabled);
    store_status record_login(std::string_view name, unix_time now);

    struct lookup {
        store_status status = store_status::not_found;
        std::optional<account> found;  // set when status == ok
    };
    lookup find(std::string_view name);

    // Every account, ordered by name. nullopt on a database error.
    std::optional<std::vector<account>> list();

    // The schema version of the open file (schema_version_current once opened).
    int schema_version();
    // Text of the last failure (database_error, invalid_name, already_exists), for logs
    // and the command line. Never contains hashes.
    const std::string& last_error() const { return last_error_; }

private:
    struct statements;

    void migrate();
    store_status fail(store_status s, std::string message);
    store_status from_sqlite(int rc, std::string_view what);
    std::optional<std::string> normalise(std::string_view name);
    store_status insert_one(const std::string& normalised, std::string_view password_hash,
                            unix_time now);
    store_status update_one(sqlite_stmt& stmt, const std::string& normalised);

    sqlite_db db_;
    std::unique_ptr<statements> stmts_;
    std::string last_error_;
};

}  // namespace gs::store
