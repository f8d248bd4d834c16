#include "store/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "crypto/secret.hpp"

namespace gs::store {
namespace {

using Steady = std::chrono::steady_clock;

// SQLSTATEs that mean "try again shortly" rather than "this is broken".
bool is_transient(std::string_view state) {
  return state == "40001"      // serialization_failure
         || state == "40P01"   // deadlock_detected
         || state == "55P03"   // lock_not_available (lock_timeout)
         || state == "57014"   // query_canceled (statement_timeout)
         || state == "53300"   // too_many_connections
         || state == "57P03";  // cannot_connect_now (starting up)
}

// Connection exceptions, and the server going down under us.
bool is_connection_loss(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02";
}

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown error" : s;
}

}  // namespace

PgResultSet::~PgResultSet() { PQclear(result_); }

int PgResultSet::rows() const { return PQntuples(result_); }

std::uint64_t PgResultSet::affected() const {
  const char* n = PQcmdTuples(result_);
  return (n && *n) ? std::stoull(n) : 0;
}

std::string PgResultSet::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgResultSet::integer(int row, int column) const {
  return std::stoll(PQgetvalue(result_, row, column));
}

bool PgResultSet::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

PgConnection::PgConnection(PostgresSettings settings) : settings_(std::move(settings)) {
  start_connecting();
  if (!connecting_ || !advance(Steady::now() + settings_.connect_timeout))
    throw PostgresError(
        fmt::format("cannot connect to the PostgreSQL account database at {}: {}", server_, down_reason_));
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
  crypto::wipe(settings_.password);
}

void PgConnection::drop(std::string why) {
  PQfinish(conn_);
  conn_ = nullptr;
  connecting_ = false;
  down_reason_ = std::move(why);
  failure_ = PgFailure::unavailable;
}

void PgConnection::start_connecting() {
  // Keywords are applied in order: the defaults come first so that the conninfo
  // (expanded from "dbname") can override them, the password file last so it wins.
  // tcp_user_timeout bounds how long a statement waits on a server that vanished
  // without closing the connection (a dead host); unix sockets ignore it.
  const std::string timeout_s = std::to_string(std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(settings_.connect_timeout).count()));
  std::vector<const char*> keys{"connect_timeout", "tcp_user_timeout", "fallback_application_name", "dbname"};
  std::vector<const char*> values{timeout_s.c_str(), "5000", "gameserver", settings_.conninfo.c_str()};
  if (!settings_.password.empty()) {
    keys.push_back("password");
    values.push_back(settings_.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  next_attempt_ = Steady::now() + settings_.retry_interval;
  conn_ = PQconnectStartParams(keys.data(), values.data(), 1);
  // Server notices ("relation already exists, skipping") are not for stderr.
  if (conn_)
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  if (conn_ && PQhost(conn_))
    server_ = fmt::format("{}:{}/{}", PQhost(conn_), PQport(conn_) ? PQport(conn_) : "",
                          PQdb(conn_) ? PQdb(conn_) : "");
  else if (server_.empty())
    server_ = settings_.conninfo.empty() ? "(libpq defaults)" : "(the configured server)";
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
    drop(conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory");
    return;
  }
  connecting_ = true;
  poll_state_ = PGRES_POLLING_WRITING;
  connect_deadline_ = Steady::now() + settings_.connect_timeout;
}

// Drives the non-blocking handshake until it completes, fails, or `until` passes.
bool PgConnection::advance(Steady::time_point until) {
  while (connecting_) {
    if (poll_state_ == PGRES_POLLING_OK) {
      connecting_ = false;
      return configure_session();
    }
    if (poll_state_ == PGRES_POLLING_FAILED) {
      drop(trimmed(PQerrorMessage(conn_)));
      return false;
    }
    auto now = Steady::now();
    if (now >= connect_deadline_) {
      drop(fmt::format("no answer within {} ms", settings_.connect_timeout.count()));
      return false;
    }
    auto stop = std::min(until, connect_deadline_);
    if (now >= stop) {
      down_reason_ = "reconnecting";
      failure_ = PgFailure::unavailable;
      return false;
    }
    pollfd pfd{PQsocket(conn_), static_cast<short>(poll_state_ == PGRES_POLLING_READING ? POLLIN : POLLOUT),
               0};
    const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(stop - now).count();
    int ready = ::poll(&pfd, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) {
      drop(fmt::format("poll failed: {}", std::strerror(errno)));
      return false;
    }
    if (ready > 0) poll_state_ = PQconnectPoll(conn_);
  }
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

// Timeouts that make a stuck lock or statement an answer (busy) instead of a hang.
bool PgConnection::configure_session() {
  const std::string sql = fmt::format("SET lock_timeout = {}; SET statement_timeout = {}",
                                      settings_.busy_timeout.count(), settings_.statement_timeout.count());
  PGresult* r = PQexec(conn_, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string why = ok ? "" : trimmed(PQerrorMessage(conn_));
  PQclear(r);
  if (!ok) drop(fmt::format("setting session timeouts: {}", why));
  return ok;
}

bool PgConnection::ready() {
  if (conn_ && !connecting_) {
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    drop(trimmed(PQerrorMessage(conn_)));
  }
  if (!connecting_) {
    if (Steady::now() < next_attempt_) {
      failure_ = PgFailure::unavailable;
      if (down_reason_.empty()) down_reason_ = "not connected";
      return false;
    }
    start_connecting();
    if (!connecting_) return false;
  }
  return advance(Steady::now() + settings_.reconnect_step);
}

std::optional<PgResultSet> PgConnection::exec(const char* sql, std::initializer_list<Param> params) {
  failure_ = PgFailure::none;
  if (!ready()) {
    error_ = fmt::format("account database {} unavailable: {}", server_, down_reason_);
    failure_ = PgFailure::unavailable;
    return std::nullopt;
  }
  std::vector<std::string> copies;  // libpq wants NUL-terminated text
  copies.reserve(params.size());
  std::vector<const char*> values;
  for (const auto& p : params) {
    if (p) {
      copies.emplace_back(*p);
      values.push_back(copies.back().c_str());
    } else {
      values.push_back(nullptr);
    }
  }
  PGresult* raw =
      PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  PgResultSet result(raw);  // frees `raw` on every path
  const auto status = PQresultStatus(raw);
  if (raw && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) return result;

  const char* state_field = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = state_field ? state_field : "";
  error_ = trimmed(raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK || is_connection_loss(state)) {
    // Reconnect on a later call, not now: the server may be restarting.
    drop(error_);
    error_ = fmt::format("account database {} unavailable: {}", server_, down_reason_);
    next_attempt_ = Steady::now() + settings_.retry_interval;
    failure_ = PgFailure::unavailable;
  } else if (state == "23505") {
    failure_ = PgFailure::unique_violation;
  } else if (is_transient(state)) {
    failure_ = PgFailure::busy;
  } else {
    failure_ = PgFailure::other;
  }
  return std::nullopt;
}

}  // namespace gs::store
