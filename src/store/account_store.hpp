#pragma once
// The account store: unique normalised name, Argon2id hash string, creation and
// last-login times, disabled flag. Two backends implement it: an SQLite file
// (sqlite_account_store.hpp, the default) and PostgreSQL (postgres_account_store.hpp,
// for several auth processes sharing accounts); open_account_store.hpp picks one from
// the config.
//
// The public methods here normalise names (account_rules.hpp) and check arguments
// once, for both backends, so "Alice" finds "alice" whichever database holds it; the
// backends only see normalised names. Every value reaches SQL through bound
// parameters, in both.
//
// Threads: a store is one database connection and is not safe to share between
// threads without outside locking; give each thread its own (the auth role uses one on
// a database thread of its own, so the event loop never waits for it). Several
// stores, in threads or processes, may share one database; a write that waits longer
// than `busy_timeout` for another returns StoreStatus::busy.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gs::store {

using UnixTime = std::chrono::sys_seconds;

struct Account {
  std::int64_t id = 0;
  std::string name;           // normalised
  std::string password_hash;  // PHC string, see password_hash.hpp
  UnixTime created_at{};
  std::optional<UnixTime> last_login_at;
  bool disabled = false;
};

enum class StoreStatus : std::uint8_t {
  ok,
  not_found,       // no account with that name (or the expected hash changed meanwhile)
  already_exists,  // an account with that name exists
  invalid_name,    // the name breaks the naming rule
  busy,            // another writer held the data longer than busy_timeout
  unavailable,     // the database server cannot be reached now; later calls reconnect
  database_error,  // anything else the database reported; see last_error()
};

std::string_view to_string(StoreStatus s);

struct StoreOptions {
  // How long a write waits for another connection's write (or row lock) to finish.
  std::chrono::milliseconds busy_timeout{1000};
};

class AccountStore {
 public:
  // Both backends migrate to this version; each keeps its own list of migrations.
  static constexpr int schema_version_current = 1;

  virtual ~AccountStore() = default;
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;

  // New account `name` with `password_hash`, created at `now`.
  StoreStatus add(std::string_view name, std::string_view password_hash, UnixTime now);

  // Accounts PREFIX1..PREFIXcount, all with `password_hash`, in one transaction: all are
  // added or none (already_exists names the first clash in last_error()). For load tests.
  StoreStatus add_numbered(std::string_view prefix, std::size_t count, std::string_view password_hash,
                           UnixTime now);

  // Replaces the hash (a password change by an administrator).
  StoreStatus set_password_hash(std::string_view name, std::string_view password_hash);

  // Replaces the hash only while it is still `expected_old`, in one statement (a
  // compare-and-swap, also between processes): the rehash after a login with old
  // parameters must not undo a password change made in the meantime.
  // not_found when the account is gone or its hash changed.
  StoreStatus replace_password_hash(std::string_view name, std::string_view expected_old,
                                    std::string_view new_hash);

  StoreStatus set_disabled(std::string_view name, bool disabled);
  StoreStatus record_login(std::string_view name, UnixTime now);

  struct Lookup {
    StoreStatus status = StoreStatus::not_found;
    std::optional<Account> found;  // set when status == ok
  };
  Lookup find(std::string_view name);

  // Every account, ordered by name. nullopt on a database error (see last_error()).
  virtual std::optional<std::vector<Account>> list() = 0;

  // The schema version of the open database (schema_version_current once opened), 0
  // when it cannot be read.
  virtual int schema_version() = 0;
  // Text of the last failure (database_error, invalid_name, already_exists...), for
  // logs and the command line. Never contains hashes or passwords.
  const std::string& last_error() const { return last_error_; }

 protected:
  AccountStore() = default;

  // The backends' part. Names are normalised already; `what` is what failed, for
  // messages. Each returns ok or a failure recorded with fail().
  virtual StoreStatus insert(const std::vector<std::string>& names, std::string_view password_hash,
                             UnixTime now) = 0;
  virtual StoreStatus update_hash(const std::string& name, std::string_view password_hash) = 0;
  virtual StoreStatus swap_hash(const std::string& name, std::string_view expected_old,
                                std::string_view new_hash) = 0;
  virtual StoreStatus update_disabled(const std::string& name, bool disabled) = 0;
  virtual StoreStatus update_last_login(const std::string& name, UnixTime now) = 0;
  virtual Lookup select(const std::string& name) = 0;

  StoreStatus fail(StoreStatus s, std::string message);
  static std::int64_t seconds(UnixTime t) { return t.time_since_epoch().count(); }

 private:
  std::optional<std::string> normalise(std::string_view name);

  std::string last_error_;
};

}  // namespace gs::store
