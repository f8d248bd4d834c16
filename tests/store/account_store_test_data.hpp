#pragma once
// What both account store test files use: a fixed time, a password hash, the settings
// for a store on a throwaway PostgreSQL database, and whether its tests are skipped.

#include <chrono>
#include <string>

#include "store/postgres_account_store.hpp"
#include "tests/support/throwaway_postgres.hpp"

namespace gs::test {

inline const store::UnixTime t0{std::chrono::seconds(1'800'000'000)};
inline const std::string hash_a = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

// Retries and waits short enough for tests.
inline store::PostgresSettings settings_for(ThrowawayPostgres& server, const std::string& database) {
  store::PostgresSettings s;
  s.conninfo = server.conninfo(database);
  s.password = server.password();
  s.retry_interval = std::chrono::milliseconds(50);
  s.busy_timeout = std::chrono::milliseconds(200);
  return s;
}

}  // namespace gs::test
