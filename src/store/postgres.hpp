#pragma once
// A thin layer over libpq: one connection that comes back by itself, statements with
// bound text parameters, results that free themselves. Values are always bound, never
// spliced into SQL text.
//
// Losing the server is an expected state, not an exception: exec() then returns
// nullopt with the reason in last_error(), and later calls reconnect. A reconnect
// never blocks a caller for long: it starts at most once per `retry_interval` and
// advances the connection handshake for at most `reconnect_step` per call, so an
// event loop that calls in keeps running while the database is away.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct pg_conn;
struct pg_result;

namespace gs::store {

// Thrown when the first connection cannot be made or the schema cannot be set up.
class PostgresError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PostgresSettings {
  // A libpq connection string, key=value ("host=db.internal dbname=gameserver
  // sslmode=verify-full") or URI ("postgresql://gameserver@db.internal/gameserver").
  // Empty: libpq's defaults and PG* environment variables.
  std::string conninfo;
  // Overrides any password from the conninfo; empty leaves it to libpq (PGPASSWORD,
  // the passfile, ~/.pgpass). Wiped when the connection is destroyed.
  std::string password;
  // Row locks held by another connection longer than this fail the statement (busy).
  std::chrono::milliseconds busy_timeout{1000};
  // A statement running longer than this is cancelled by the server (busy).
  std::chrono::milliseconds statement_timeout{5000};
  // How long the first connection may take; later reconnects get as long in total.
  std::chrono::milliseconds connect_timeout{5000};
  // Least time between two reconnect attempts.
  std::chrono::milliseconds retry_interval{1000};
  // Longest a single call waits for a reconnect handshake to progress.
  std::chrono::milliseconds reconnect_step{20};
};

// How a failed statement should be reported.
enum class PgFailure : std::uint8_t {
  none,
  unique_violation,  // SQLSTATE 23505
  busy,              // lock or statement timeout, serialization failure, deadlock, too many connections
  unavailable,       // no connection, or it broke during the statement
  other,
};

class PgResultSet {
 public:
  explicit PgResultSet(pg_result* result) : result_(result) {}
  ~PgResultSet();
  PgResultSet(PgResultSet&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResultSet& operator=(PgResultSet&&) = delete;

  int rows() const;
  // The number of rows an INSERT, UPDATE or DELETE touched.
  std::uint64_t affected() const;
  // Columns are numbered from 0; values come back as text.
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool is_null(int row, int column) const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects, within settings.connect_timeout. Throws PostgresError naming the server
  // (host, port, database) and libpq's reason.
  explicit PgConnection(PostgresSettings settings);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  using Param = std::optional<std::string_view>;  // nullopt is SQL NULL
  // Runs `sql` with $1..$n bound to `params`. nullopt when it failed: see failure()
  // and last_error().
  std::optional<PgResultSet> exec(const char* sql, std::initializer_list<Param> params = {});

  PgFailure failure() const { return failure_; }
  const std::string& last_error() const { return error_; }
  // "host:port/database", for messages; never includes the password.
  const std::string& server() const { return server_; }

 private:
  bool ready();
  void start_connecting();
  bool advance(std::chrono::steady_clock::time_point until);
  bool configure_session();
  void drop(std::string why);

  PostgresSettings settings_;
  pg_conn* conn_ = nullptr;
  bool connecting_ = false;
  int poll_state_ = 0;
  std::chrono::steady_clock::time_point connect_deadline_{};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string server_;
  std::string down_reason_;  // why the connection is down, while it is
  std::string error_;
  PgFailure failure_ = PgFailure::none;
};

}  // namespace gs::store
