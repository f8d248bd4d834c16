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
