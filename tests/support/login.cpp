#include "support/login.hpp"

#include <thread>

#include <doctest/doctest.h>
#include <asio/io_context.hpp>

#include "store/open_account_store.hpp"
#include "store/password_hash.hpp"

namespace gs::test {

gs::client::ClientOptions client_options(const config::Config& config) {
  gs::client::ClientOptions options;
  options.gateway = config.gateway.listen;
  options.trust = config.tls.trust;
  options.game = config.game;
  options.timeout = std::chrono::seconds(5);
  return options;
}

void add_account(const config::Config& config, const std::string& name, const std::string& password) {
  auto accounts = store::open_account_store(config.auth);
  store::PasswordHasher hasher(
      {config.auth.password_ops_limit, static_cast<std::size_t>(config.auth.password_memory)});
  REQUIRE(accounts->add(name, *hasher.hash(password),
                        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())) ==
          store::StoreStatus::ok);
}

gs::client::FlowResult login_once(const gs::client::ClientOptions& options, const std::string& user,
                                  const std::string& password) {
  asio::io_context io;
  gs::client::Client client(io, options);
  gs::client::FlowResult result;
  client.login_and_join(user, password, [&](const gs::client::FlowResult& r) {
    result = r;
    client.close();
    io.stop();
  });
  io.run();
  return result;
}

gs::client::FlowResult login_when_ready(const gs::client::ClientOptions& options, const std::string& user,
                                        const std::string& password, std::chrono::milliseconds within,
                                        std::chrono::milliseconds pause) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    auto result = login_once(options, user, password);
    bool starting = result.outcome == gs::client::Outcome::login_failed &&
                    (result.reason == "unavailable" || result.reason == "no_world");
    if (!starting || std::chrono::steady_clock::now() > deadline) return result;
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace gs::test
