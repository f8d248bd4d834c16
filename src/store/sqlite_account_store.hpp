#pragma once
// The account store in an SQLite file (the default backend).
//
// The file (and its parent folders) is created on first use, mode 0600 since it holds
// password hashes; WAL journal; a schema_version table and numbered migrations bring
// older files up to date when opened, and a file from a newer build is refused.
// Several stores, in threads or processes, may open the same file: WAL lets readers
// proceed while one writer writes, and a writer waits at most `busy_timeout` for
// another before the call returns StoreStatus::busy. Calls take microseconds to a
// millisecond (one indexed row); bulk adds take longer and belong on the command line.

#include <filesystem>
#include <memory>

#include "store/account_store.hpp"
#include "store/sqlite.hpp"

namespace gs::store {

class SqliteAccountStore final : public AccountStore {
 public:
  // Opens or creates the database and migrates it. Throws SqliteError with the path and
  // cause (unwritable folder, not a database, schema from a newer build...).
  explicit SqliteAccountStore(const std::filesystem::path& path, StoreOptions options = {});
  ~SqliteAccountStore() override;

  std::optional<std::vector<Account>> list() override;
  int schema_version() override;

 private:
  struct Statements;

  StoreStatus insert(const std::vector<std::string>& names, std::string_view password_hash,
                     UnixTime now) override;
  StoreStatus update_hash(const std::string& name, std::string_view password_hash) override;
  StoreStatus swap_hash(const std::string& name, std::string_view expected_old,
                        std::string_view new_hash) override;
  StoreStatus update_disabled(const std::string& name, bool disabled) override;
  StoreStatus update_last_login(const std::string& name, UnixTime now) override;
  Lookup select(const std::string& name) override;

  void migrate();
  StoreStatus from_sqlite(int rc, std::string_view what);
  StoreStatus insert_one(const std::string& name, std::string_view password_hash, UnixTime now);
  StoreStatus update_one(SqliteStmt& stmt, const std::string& name);

  SqliteDb db_;
  std::unique_ptr<Statements> stmts_;
};

}  // namespace gs::store
