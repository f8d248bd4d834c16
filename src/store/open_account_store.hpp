#pragma once
// The account store the config asks for (auth.account_store): the SQLite file
// auth.database, or PostgreSQL at auth.postgres.conninfo with the password from
// auth.postgres.password_file. Used by the auth role and the account command, so both
// always open the same store the same way.

#include <filesystem>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "store/account_store.hpp"
#include "store/postgres.hpp"

namespace gs::store {

// Opens (creating or migrating) the configured store. Throws SqliteError or
// PostgresError, whose message names the file or server and the cause.
std::unique_ptr<AccountStore> open_account_store(const config::AuthConfig& auth, StoreOptions options = {});

// The PostgreSQL settings for `auth`, the password read from its password file.
PostgresSettings postgres_settings_for(const config::AuthConfig& auth, StoreOptions options = {});

// A password file: the password alone, one trailing newline removed. Refused (throws
// PostgresError naming the file) when unreadable, empty, or readable by group or
// others, like the link secrets.
std::string read_password_file(const std::filesystem::path& path);

}  // namespace gs::store
