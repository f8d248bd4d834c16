#pragma once
// A throwaway PostgreSQL server for tests: initdb and pg_ctl from
// /usr/lib/postgresql/*/bin (or $GAMESERVER_PG_BIN) in a fresh folder under /tmp.
// It listens only on a unix socket inside that folder, never on TCP, so it cannot meet
// a system cluster on port 5432; it asks for a password (SCRAM), generated at start,
// so the password path of the store is exercised too. fsync is off: it is thrown away.
//
// initdb refuses to run as root; as root (CI) the server binaries run as the
// `postgres` user (Debian's postgresql package creates it) through runuser, and the
// folder is handed to that user. The destructor stops the server and removes the
// folder; a watchdog process does the same if the test process dies first (crash,
// timeout kill), so no server outlives its test.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gs::test {

class ThrowawayPostgres {
 public:
  // The server binaries' folder, or empty when PostgreSQL's server is not installed.
  static std::filesystem::path find_binaries();
  // True when GAMESERVER_TEST_POSTGRES=require: missing binaries fail instead of skip (CI).
  static bool required();
  // The reason printed when the PostgreSQL tests are skipped.
  static const char* skip_message();
  // True when the server binaries are missing and not required: the PostgreSQL tests
  // skip (doctest::skip(ThrowawayPostgres::missing())); prints skip_message() once.
  static bool missing();

  // One server per test process, started on first use and stopped at exit. Throws
  // std::runtime_error with the server's log when it cannot start.
  static ThrowawayPostgres& shared();

  ThrowawayPostgres();
  ~ThrowawayPostgres();
  ThrowawayPostgres(const ThrowawayPostgres&) = delete;
  ThrowawayPostgres& operator=(const ThrowawayPostgres&) = delete;

  // A new empty database; its name.
  std::string create_database();
  // libpq conninfo for `database`, without the password.
  std::string conninfo(const std::string& database) const;
  const std::string& password() const { return password_; }
  // Runs `sql` on `database` as the superuser; returns the first value of the first
  // row ("" if none). Throws std::runtime_error with the server's message.
  std::string query(const std::string& database, const std::string& sql) const;

  // Stops the server (fast: sessions are cut) and starts it again on the same data,
  // for connection-loss tests.
  void stop();
  void start();

 private:
  int run(const std::vector<std::string>& args) const;

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  std::string password_;
  bool as_postgres_user_ = false;
  int watchdog_fd_ = -1;
  int next_database_ = 0;
};

}  // namespace gs::test
