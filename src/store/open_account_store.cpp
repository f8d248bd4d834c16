#include "store/open_account_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "crypto/secret.hpp"
#include "store/postgres_account_store.hpp"
#include "store/sqlite_account_store.hpp"

namespace gs::store {

std::string read_password_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw PostgresError(
        fmt::format("cannot read the database password file {}: {}", path.string(), std::strerror(errno)));
  if ((st.st_mode & 077) != 0)
    throw PostgresError(
        fmt::format("the database password file {} is readable by group or others "
                    "(mode {:o}); chmod 600 it",
                    path.string(), st.st_mode & 0777));
  std::ifstream in(path, std::ios::binary);
  std::string password{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof())
    throw PostgresError(fmt::format("cannot read the database password file {}", path.string()));
  if (password.ends_with("\r\n"))
    password.resize(password.size() - 2);
  else if (password.ends_with('\n'))
    password.pop_back();
  if (password.empty())
    throw PostgresError(fmt::format("the database password file {} is empty", path.string()));
  return password;
}

PostgresSettings postgres_settings_for(const config::AuthConfig& auth, StoreOptions options) {
  PostgresSettings s;
  s.conninfo = auth.postgres.conninfo;
  if (!auth.postgres.password_file.empty()) s.password = read_password_file(auth.postgres.password_file);
  s.busy_timeout = options.busy_timeout;
  return s;
}

std::unique_ptr<AccountStore> open_account_store(const config::AuthConfig& auth, StoreOptions options) {
  switch (auth.account_store) {
    case config::AccountBackend::postgres:
      return std::make_unique<PostgresAccountStore>(postgres_settings_for(auth, options));
    case config::AccountBackend::sqlite: break;
  }
  return std::make_unique<SqliteAccountStore>(auth.database, options);
}

}  // namespace gs::store
