#include "store/postgres_account_store.hpp"

#include <fmt/format.h>

namespace gs::store {
namespace {

// Migration N brings a database from version N-1 to N. Append only; never edit a
// released entry. Version 1 matches the SQLite store's version 1.
constexpr const char* migrations[] = {
    // 1: accounts
    "CREATE TABLE accounts ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  name text NOT NULL UNIQUE,"
    "  password_hash text NOT NULL,"
    "  created_at timestamptz NOT NULL,"
    "  last_login_at timestamptz,"
    "  disabled boolean NOT NULL DEFAULT false"
    ")",
};
static_assert(std::size(migrations) == AccountStore::schema_version_current);

// Any constant will do as long as it is ours: "gs-accts".
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(7454138061232452723)";

constexpr const char* select_columns =
    "SELECT id, name, password_hash, extract(epoch FROM created_at)::bigint,"
    " extract(epoch FROM last_login_at)::bigint, disabled FROM accounts";

Account read_account(const PgResultSet& r, int row) {
  Account a;
  a.id = r.integer(row, 0);
  a.name = r.text(row, 1);
  a.password_hash = r.text(row, 2);
  a.created_at = UnixTime(std::chrono::seconds(r.integer(row, 3)));
  if (!r.is_null(row, 4)) a.last_login_at = UnixTime(std::chrono::seconds(r.integer(row, 4)));
  a.disabled = r.text(row, 5) == "t";
  return a;
}

// A text[] literal of names. Normalised names hold only a-z 0-9 _ . - , but quoting
// keeps the literal right whatever they hold.
std::string array_literal(const std::vector<std::string>& names) {
  std::string out = "{";
  for (const auto& n : names) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : n) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

PostgresAccountStore::PostgresAccountStore(PostgresSettings settings) : db_(std::move(settings)) {
  migrate();
}

void PostgresAccountStore::migrate() {
  auto must = [this](const char* sql, std::initializer_list<PgConnection::Param> params,
                     std::string_view what) {
    auto r = db_.exec(sql, params);
    if (!r) throw PostgresError(fmt::format("{} on {}: {}", what, db_.server(), db_.last_error()));
    return std::move(*r);
  };
  must("BEGIN", {}, "starting the schema check");
  try {
    // Auth processes starting together take turns; the second finds the work done.
    must(migration_lock, {}, "locking the schema");
    must("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)", {},
         "creating the schema_version table");
    auto q = must("SELECT version FROM schema_version", {}, "reading the schema version");
    const bool has_row = q.rows() > 0;
    const int version = has_row ? static_cast<int>(q.integer(0, 0)) : 0;
    if (version > schema_version_current)
      throw PostgresError(fmt::format(
          "the account database {} has schema version {}, newer than this build understands ({}); "
          "use a newer gameserver",
          db_.server(), version, schema_version_current));
    for (int v = version; v < schema_version_current; ++v)
      must(migrations[v], {}, fmt::format("migrating to schema version {}", v + 1));
    if (version != schema_version_current) {
      const std::string current = std::to_string(schema_version_current);
      must(has_row ? "UPDATE schema_version SET version = $1"
                   : "INSERT INTO schema_version (version) VALUES ($1)",
           {current}, "recording the schema version");
    }
    must("COMMIT", {}, "committing the schema");
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
}

int PostgresAccountStore::schema_version() {
  auto r = db_.exec("SELECT version FROM schema_version");
  return r && r->rows() > 0 ? static_cast<int>(r->integer(0, 0)) : 0;
}

StoreStatus PostgresAccountStore::failed(std::string_view what) {
  switch (db_.failure()) {
    case PgFailure::busy:
      return fail(StoreStatus::busy, fmt::format("{}: database is busy ({})", what, db_.last_error()));
    case PgFailure::unavailable:
      return fail(StoreStatus::unavailable, fmt::format("{}: {}", what, db_.last_error()));
    default: return fail(StoreStatus::database_error, fmt::format("{}: {}", what, db_.last_error()));
  }
}

StoreStatus PostgresAccountStore::insert(const std::vector<std::string>& names,
                                         std::string_view password_hash, UnixTime now) {
  // One statement for any number of names: all are added or none.
  const std::string list = array_literal(names);
  const std::string created = std::to_string(seconds(now));
  auto r = db_.exec(
      "INSERT INTO accounts (name, password_hash, created_at)"
      " SELECT n, $2, to_timestamp($3::bigint) FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i",
      {list, password_hash, created});
  if (r) return StoreStatus::ok;
  const std::string what = names.size() == 1 ? fmt::format("adding account {}", names.front()) : "bulk add";
  if (db_.failure() != PgFailure::unique_violation) return failed(what);
  // Name the first clash, as the SQLite store does by adding in order.
  auto clash = db_.exec(
      "SELECT n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)"
      " WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.name = u.n) ORDER BY i LIMIT 1",
      {list});
  const std::string name = clash && clash->rows() > 0 ? clash->text(0, 0) : names.front();
  return fail(StoreStatus::already_exists, fmt::format("account {} already exists", name));
}

StoreStatus PostgresAccountStore::update_one(const char* sql,
                                             std::initializer_list<PgConnection::Param> params,
                                             const std::string& name) {
  auto r = db_.exec(sql, params);
  if (!r) return failed(fmt::format("updating account {}", name));
  if (r->affected() == 0) return fail(StoreStatus::not_found, fmt::format("no account named {}", name));
  return StoreStatus::ok;
}

StoreStatus PostgresAccountStore::update_hash(const std::string& name, std::string_view password_hash) {
  return update_one("UPDATE accounts SET password_hash = $2 WHERE name = $1", {name, password_hash}, name);
}

// One statement, so the comparison and the write are one step for PostgreSQL too: an
// UPDATE that waited for a concurrent one re-checks its WHERE against the new row.
StoreStatus PostgresAccountStore::swap_hash(const std::string& name, std::string_view expected_old,
                                            std::string_view new_hash) {
  return update_one("UPDATE accounts SET password_hash = $3 WHERE name = $1 AND password_hash = $2",
                    {name, expected_old, new_hash}, name);
}

StoreStatus PostgresAccountStore::update_disabled(const std::string& name, bool disabled) {
  return update_one("UPDATE accounts SET disabled = $2 WHERE name = $1", {name, disabled ? "true" : "false"},
                    name);
}

StoreStatus PostgresAccountStore::update_last_login(const std::string& name, UnixTime now) {
  const std::string at = std::to_string(seconds(now));
  return update_one("UPDATE accounts SET last_login_at = to_timestamp($2::bigint) WHERE name = $1",
                    {name, at}, name);
}

AccountStore::Lookup PostgresAccountStore::select(const std::string& name) {
  auto r = db_.exec((std::string(select_columns) + " WHERE name = $1").c_str(), {name});
  if (!r) return {failed(fmt::format("looking up account {}", name)), std::nullopt};
  if (r->rows() == 0)
    return {fail(StoreStatus::not_found, fmt::format("no account named {}", name)), std::nullopt};
  return {StoreStatus::ok, read_account(*r, 0)};
}

std::optional<std::vector<Account>> PostgresAccountStore::list() {
  auto r = db_.exec((std::string(select_columns) + " ORDER BY name COLLATE \"C\"").c_str());
  if (!r) {
    failed("listing accounts");
    return std::nullopt;
  }
  std::vector<Account> out;
  out.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_account(*r, i));
  return out;
}

}  // namespace gs::store
