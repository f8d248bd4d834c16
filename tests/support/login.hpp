#pragma once
// Accounts and logins against a test deployment's roles.

#include <chrono>
#include <string>

#include "client/client.hpp"
#include "config/config.hpp"

namespace gs::test {

// A client of the deployment of `config`: its gateway, certificate and game, 5 s a stage.
client::ClientOptions client_options(const config::Config& config);

// Adds an account straight to the account store of `config` (SQLite or PostgreSQL).
void add_account(const config::Config& config, const std::string& name, const std::string& password);

// One login and join as `user`, run to its end.
client::FlowResult login_once(const client::ClientOptions& options, const std::string& user,
                              const std::string& password);

// Retries while the roles' links are still coming up (the login fails `unavailable` or
// `no_world`), `pause` between attempts, until `within` has passed; the last result.
client::FlowResult login_when_ready(const client::ClientOptions& options, const std::string& user,
                                    const std::string& password,
                                    std::chrono::milliseconds within = std::chrono::seconds(10),
                                    std::chrono::milliseconds pause = std::chrono::milliseconds(100));

}  // namespace gs::test
