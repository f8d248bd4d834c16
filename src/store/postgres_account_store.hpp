#pragma once
// The account store in PostgreSQL, for several auth processes sharing one account
// database (auth.account_store: postgres).
//
// Same table, statuses and rules as the SQLite store: a schema_version table and
// numbered migrations (run under an advisory lock, so auth processes starting together
// migrate once), unique normalised names, bound parameters only. Times are stored as
// timestamptz so the table reads well in psql.
//
// Failures map onto store_status: a unique violation is already_exists; lock and
// statement timeouts, deadlocks, serialization failures and a full server are busy; a
// lost connection is unavailable, and a later call reconnects (postgres.hpp). Each
// call is one round trip to the server.

#include "store/account_store.hpp"
#include "store/postgres.hpp"

namespace gs::store {

class PostgresAccountStore final : public AccountStore {
 public:
  // Connects and migrates. Throws PostgresError naming the server and the cause
  // (unreachable, authentication failed, schema from a newer build...).
  explicit PostgresAccountStore(PostgresSettings settings);

  std::optional<std::vector<Account>> list() override;
  int schema_version() override;

 private:
  StoreStatus insert(const std::vector<std::string>& names, std::string_view password_hash,
                     UnixTime now) override;
  StoreStatus update_hash(const std::string& name, std::string_view password_hash) override;
  StoreStatus swap_hash(const std::string& name, std::string_view expected_old,
                        std::string_view new_hash) override;
  StoreStatus update_disabled(const std::string& name, bool disabled) override;
  StoreStatus update_last_login(const std::string& name, UnixTime now) override;
  Lookup select(const std::string& name) override;

  void migrate();
  StoreStatus failed(std::string_view what);
  StoreStatus update_one(const char* sql, std::initializer_list<PgConnection::Param> params,
                         const std::string& name);

  PgConnection db_;
};

}  // namespace gs::store
