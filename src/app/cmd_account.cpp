// gameserver account add|passwd|disable|enable|list: the auth role's account database.

#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "app/auth_setup.hpp"
#include "app/commands.hpp"
#include "crypto/secret.hpp"
#include "store/account_rules.hpp"
#include "store/account_store.hpp"
#include "store/open_account_store.hpp"
#include "store/password_hash.hpp"

namespace gs::app {
namespace {

struct AccountOptions {
  std::optional<std::filesystem::path> config;
  std::string name;
  std::size_t count = 0;
  bool password_stdin = false;
};

store::UnixTime now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string utc(store::UnixTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int report(store::AccountStore& db, store::StoreStatus status, const std::string& done) {
  switch (status) {
    case store::StoreStatus::ok: std::cout << done << "\n"; return exit_ok;
    case store::StoreStatus::invalid_name:
      std::cerr << "gameserver: " << db.last_error() << "\n";
      return exit_usage;
    default: std::cerr << "gameserver: " << db.last_error() << "\n"; return exit_failure;
  }
}

// Runs `body` with the store named by the config; rule violations exit 2.
template <class Body>
int with_store(const AccountOptions& o, Body body) {
  config::Config config = load_config(o.config);
  try {
    auto db = store::open_account_store(config.auth);
    return body(config, *db);
  } catch (const std::invalid_argument& e) {
    std::cerr << "gameserver: " << e.what() << "\n";
    return exit_usage;
  }
}

std::string require_password(const AccountOptions& o) {
  if (!o.password_stdin)
    throw std::invalid_argument("pass the password on standard input with --password-stdin");
  return read_password_stdin();
}

std::string hash_or_throw(const config::Config& config, const std::string& password) {
  auto params = password_params(config.auth);
  if (auto why = store::validate(params); !why.empty()) throw std::invalid_argument(why);
  auto hash = store::hash_password(password, params);
  if (!hash) throw std::runtime_error("cannot hash the password (out of memory?)");
  return *hash;
}

int account_add(const AccountOptions& o) {
  return with_store(o, [&](const config::Config& config, store::AccountStore& db) {
    std::string password = require_password(o);
    std::string hash = hash_or_throw(config, password);
    crypto::wipe(password);
    if (o.count == 0) {
      auto name = store::normalize_account_name(o.name);
      return report(db, db.add(o.name, hash, now()),
                    fmt::format("added account {}", name ? name.value() : o.name));
    }
    // One hash shared by all: the accounts share one password anyway, and hashing each
    // would take count x the hash time.
    return report(db, db.add_numbered(o.name, o.count, hash, now()),
                  fmt::format("added {} accounts {}1..{}{}", o.count, o.name, o.name, o.count));
  });
}

int account_passwd(const AccountOptions& o) {
  return with_store(o, [&](const config::Config& config, store::AccountStore& db) {
    std::string password = require_password(o);
    std::string hash = hash_or_throw(config, password);
    crypto::wipe(password);
    return report(db, db.set_password_hash(o.name, hash), fmt::format("changed the password of {}", o.name));
  });
}

int account_set_disabled(const AccountOptions& o, bool disabled) {
  return with_store(o, [&](const config::Config&, store::AccountStore& db) {
    return report(db, db.set_disabled(o.name, disabled),
                  fmt::format("{} {}", disabled ? "disabled" : "enabled", o.name));
  });
}

int account_list(const AccountOptions& o) {
  return with_store(o, [&](const config::Config&, store::AccountStore& db) {
    auto all = db.list();
    if (!all) {
      std::cerr << "gameserver: " << db.last_error() << "\n";
      return static_cast<int>(exit_failure);
    }
    std::cout << fmt::format("{:<32}  {:<20}  {:<20}  {}\n", "NAME", "CREATED", "LAST LOGIN", "STATE");
    for (const auto& a : *all)
      std::cout << fmt::format("{:<32}  {:<20}  {:<20}  {}\n", a.name, utc(a.created_at),
                               a.last_login_at ? utc(*a.last_login_at) : "never",
                               a.disabled ? "disabled" : "enabled");
    return static_cast<int>(exit_ok);
  });
}

CLI::App* add_sub(CLI::App* parent, const char* name, const char* help, Action& action,
                  std::shared_ptr<AccountOptions> o, std::function<int(const AccountOptions&)> run,
                  bool takes_name) {
  auto* cmd = parent->add_subcommand(name, help);
  if (takes_name) cmd->add_option("name", o->name, "account name")->required();
  cmd->add_option("-c,--config", o->config, "YAML config file (the account store and password settings)")
      ->check(CLI::ExistingFile);
  cmd->callback([&action, o, run] { action = [o, run] { return run(*o); }; });
  return cmd;
}

}  // namespace

void add_account_command(CLI::App& root, Action& action) {
  auto* account = root.add_subcommand("account", "manage the accounts of the auth role's account store");
  account->require_subcommand(1);
  auto o = std::make_shared<AccountOptions>();

  auto* add =
      add_sub(account, "add", "add account NAME, or with --count N the accounts NAME1..NAMEN (load tests)",
              action, o, account_add, true);
  add->add_option("--count", o->count, "add NAME1..NAMEN with one password, in one transaction")
      ->check(CLI::Range(1, 1'000'000));
  add->add_flag("--password-stdin", o->password_stdin, "read the password from standard input");

  auto* passwd =
      add_sub(account, "passwd", "set a new password for account NAME", action, o, account_passwd, true);
  passwd->add_flag("--password-stdin", o->password_stdin, "read the password from standard input");

  add_sub(
      account, "disable", "refuse logins of account NAME", action, o,
      [](const AccountOptions& opt) { return account_set_disabled(opt, true); }, true);
  add_sub(
      account, "enable", "allow logins of account NAME again", action, o,
      [](const AccountOptions& opt) { return account_set_disabled(opt, false); }, true);
  add_sub(account, "list", "list all accounts", action, o, account_list, false);
}

}  // namespace gs::app
