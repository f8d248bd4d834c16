#include "tests/support/throwaway_postgres.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace gs::test {
namespace {

constexpr const char* superuser = "gameserver";
constexpr const char* port = "54329";  // names the socket file only; there is no TCP listener

std::string random_hex(std::size_t bytes) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  std::string out;
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes; ++i) {
    auto c = static_cast<unsigned char>(in.get());
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::filesystem::path ThrowawayPostgres::find_binaries() {
  if (const char* env = std::getenv("GAMESERVER_PG_BIN"); env && *env) return env;
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "initdb") && std::filesystem::exists(bin / "pg_ctl"))
      found.push_back(bin);
  }
  if (found.empty()) return {};
  // The newest major version: folder names are numbers.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::atoi(a.parent_path().filename().c_str()) < std::atoi(b.parent_path().filename().c_str());
  });
  return found.back();
}

bool ThrowawayPostgres::required() {
  const char* env = std::getenv("GAMESERVER_TEST_POSTGRES");
  return env && std::string(env) == "require";
}

bool ThrowawayPostgres::missing() {
  static const bool skip = [] {
    const bool absent = find_binaries().empty();
    if (absent) std::cerr << skip_message() << "\n";
    return absent && !required();
  }();
  return skip;
}

const char* ThrowawayPostgres::skip_message() {
  return "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin: "
         "the PostgreSQL account store tests are skipped (apt-get install postgresql, or "
         "bash scripts/install-deps)";
}

ThrowawayPostgres& ThrowawayPostgres::shared() {
  static ThrowawayPostgres server;
  return server;
}

int ThrowawayPostgres::run(const std::vector<std::string>& args) const {
  std::vector<std::string> full;
  if (as_postgres_user_) full = {"runuser", "-u", "postgres", "--"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (dir_ / "commands.log").string();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    // initdb warns when it cannot enter the caller's folder (e.g. /root as postgres).
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ThrowawayPostgres::ThrowawayPostgres() : bin_(find_binaries()) {
  if (bin_.empty()) throw std::runtime_error(skip_message());
  // Short path: a unix socket path must fit in 107 bytes.
  std::string pattern = "/tmp/gs-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  password_ = random_hex(16);
  {
    std::ofstream pw(dir_ / "pwfile");
    pw << password_ << "\n";
  }
  ::chmod((dir_ / "pwfile").c_str(), 0600);
  if (::geteuid() == 0) {
    const passwd* pg = ::getpwnam("postgres");
    if (!pg) {
      std::filesystem::remove_all(dir_);
      throw std::runtime_error("running as root, and there is no postgres user to run the server as");
    }
    as_postgres_user_ = true;
    if (::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0 ||
        ::chown((dir_ / "pwfile").c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      std::filesystem::remove_all(dir_);
      throw std::runtime_error("cannot hand the server folder to the postgres user");
    }
  }

  // The watchdog: a shell in its own session that waits for the end of a pipe whose
  // only writer is this process, then stops the server and removes the folder.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) == 0) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setsid();
      ::dup2(fds[0], 0);
      const std::string script =
          "cat >/dev/null; if [ -f \"$1/data/postmaster.pid\" ]; then $3 \"$2/pg_ctl\" stop -D \"$1/data\" "
          "-m immediate >/dev/null 2>&1; fi; rm -rf \"$1\"";
      const std::string prefix = as_postgres_user_ ? "runuser -u postgres --" : "";
      ::execl("/bin/sh", "sh", "-c", script.c_str(), "gs-pg-watchdog", dir_.c_str(), bin_.c_str(),
              prefix.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[0]);
    watchdog_fd_ = fds[1];
  }

  if (run({(bin_ / "initdb").string(), "-D", (dir_ / "data").string(), "-U", superuser,
           "--auth=scram-sha-256", "--pwfile=" + (dir_ / "pwfile").string(), "-E", "UTF8", "--locale=C",
           "--no-sync"}) != 0) {
    std::string log = read_all(dir_ / "commands.log");
    throw std::runtime_error("initdb failed:\n" + log);
  }
  start();
}

void ThrowawayPostgres::start() {
  const std::string options = "-c listen_addresses='' -k " + dir_.string() + " -p " + port +
                              " -c fsync=off -c full_page_writes=off -c synchronous_commit=off";
  if (run({(bin_ / "pg_ctl").string(), "start", "-w", "-t", "60", "-D", (dir_ / "data").string(), "-l",
           (dir_ / "server.log").string(), "-o", options}) != 0)
    throw std::runtime_error("pg_ctl start failed:\n" + read_all(dir_ / "commands.log") +
                             read_all(dir_ / "server.log"));
}

void ThrowawayPostgres::stop() {
  run({(bin_ / "pg_ctl").string(), "stop", "-w", "-t", "60", "-m", "fast", "-D", (dir_ / "data").string()});
}

ThrowawayPostgres::~ThrowawayPostgres() {
  if (std::filesystem::exists(dir_ / "data/postmaster.pid"))
    run({(bin_ / "pg_ctl").string(), "stop", "-w", "-t", "60", "-m", "immediate", "-D",
         (dir_ / "data").string()});
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (watchdog_fd_ >= 0) ::close(watchdog_fd_);  // the watchdog finds nothing left to do
}

std::string ThrowawayPostgres::conninfo(const std::string& database) const {
  return "host=" + dir_.string() + " port=" + port + " user=" + superuser + " dbname=" + database;
}

std::string ThrowawayPostgres::query(const std::string& database, const std::string& sql) const {
  const char* keys[] = {"dbname", "password", nullptr};
  const std::string info = conninfo(database);
  const char* values[] = {info.c_str(), password_.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to the test server: " + why);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  std::string out;
  std::string why = PQresultErrorMessage(r);
  if (status == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0) out = PQgetvalue(r, 0, 0);
  PQclear(r);
  PQfinish(conn);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + why);
  return out;
}

std::string ThrowawayPostgres::create_database() {
  std::string name = "accounts_" + std::to_string(++next_database_);
  query("postgres", "CREATE DATABASE " + name);
  return name;
}

}  // namespace gs::test
