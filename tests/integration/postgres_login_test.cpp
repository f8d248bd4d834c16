// Accounts in PostgreSQL end to end: `gameserver account` adds a player to a throwaway
// PostgreSQL, the auth role (auth.account_store: postgres) logs the player in through
// the gateway into the world, and an auth that cannot reach its database at start
// exits 3 naming the role and the server.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include "client/client.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/process.hpp"
#include "support/running_roles.hpp"
#include "tests/crypto/temp_dir.hpp"
#include "tests/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;
using gs::client::Outcome;
using gs::test::ThrowawayPostgres;

namespace {

gs::client::FlowResult login(const gs::config::Config& config, const std::string& user,
                             const std::string& password) {
  // Retries while the roles' links are still coming up.
  return gs::test::login_when_ready(gs::test::client_options(config), user, password, 10s);
}

}  // namespace

TEST_CASE("postgres: gameserver account adds to PostgreSQL and the auth role logs the player in" *
          doctest::skip(gs::test::ThrowawayPostgres::missing())) {
  auto& server = ThrowawayPostgres::shared();
  gs::test::Deployment d("pg-login");
  gs::test::write_text(d.dir / "pg.password", server.password() + "\n");
  ::chmod((d.dir / "pg.password").c_str(), 0600);
  d.config.auth.account_store = gs::config::AccountBackend::postgres;
  d.config.auth.postgres.conninfo = server.conninfo(server.create_database());
  d.config.auth.postgres.password_file = d.dir / "pg.password";
  auto file = d.write_config();

  auto [status, out] =
      gs::test::run({"account", "add", "Alice", "--password-stdin", "--config", file.string()},
                    std::string("correct horse battery\n"));
  CHECK(status == 0);
  CHECK(out.find("added account alice") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(d.config.auth.database));  // not the SQLite file

  {
    gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
    auto ok = login(d.config, "alice", "correct horse battery");
    CHECK(ok.outcome == Outcome::joined);
    auto wrong = login(d.config, "alice", "not the password");
    CHECK(wrong.outcome == Outcome::login_failed);
    CHECK(wrong.reason == "bad_credentials");
  }

  auto [list_status, listing] = gs::test::run({"account", "list", "--config", file.string()});
  CHECK(list_status == 0);
  CHECK(listing.find("alice") != std::string::npos);
  CHECK(listing.find("never") == std::string::npos);  // the login was recorded
}

TEST_CASE("postgres: an auth role whose database cannot be reached exits 3 naming it") {
  gs::test::Deployment d("pg-down");
  d.config.auth.account_store = gs::config::AccountBackend::postgres;
  // A closed port on loopback: refused at once.
  d.config.auth.postgres.conninfo =
      "host=127.0.0.1 port=1 dbname=gameserver user=gameserver connect_timeout=2";
  auto file = d.write_config();
  auto [status, out] = gs::test::run({"--config", file.string(), "--role", "auth"}, std::nullopt, 30s);
  CHECK(status == 3);
  CHECK(out.find("auth: cannot connect to the PostgreSQL account database at 127.0.0.1:1/gameserver") !=
        std::string::npos);
}
