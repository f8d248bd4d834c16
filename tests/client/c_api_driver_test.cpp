// Starts a throwaway deployment's roles and runs the C API test (c_api_test.c) against it.

#include <doctest/doctest.h>

#include "c_api_test.h"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"

TEST_CASE("the C API refuses bad options and NULL handles") {
  char report[256] = "";
  CHECK_MESSAGE(c_api_bad_options(report, sizeof report) == 0, report);
}

TEST_CASE("a C program logs in, joins, sees itself in a snapshot, moves, chats and leaves") {
  gs::test::Deployment d("c-api");
  gs::test::add_account(d.config, "carol", "correct horse");
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
  char report[256] = "";
  auto gateway = d.config.gateway.listen.to_string();
  auto trust = d.config.tls.trust.string();
  CHECK_MESSAGE(c_api_login_flow(gateway.c_str(), trust.c_str(), d.config.game.c_str(), "carol", "correct horse",
                                 report, sizeof report) == 0,
                report);
}

TEST_CASE("a C program names the gateway its CA-issued certificate is checked against") {
  gs::test::Deployment d("c-api-name");
  // Named gateway.example, and 127.0.0.1 for the links and the world dialed by address;
  // the gateway listens on 127.0.0.2, which the certificate does not name.
  d.use_test_ca({"gateway", {"gateway.example"}, 30, {"127.0.0.1"}});
  d.config.gateway.listen.host = "127.0.0.2";
  gs::test::add_account(d.config, "dave", "correct horse");
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
  char report[256] = "";
  auto gateway = d.config.gateway.listen.to_string();
  auto ca = d.config.tls.trust.string();
  CHECK_MESSAGE(c_api_server_name(gateway.c_str(), ca.c_str(), d.config.game.c_str(), "gateway.example", "dave",
                                  "correct horse", report, sizeof report) == 0,
                report);
}
