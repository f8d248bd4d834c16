// Starts a throwaway deployment's roles and runs the C API test (c_api_test.c) against it.

#include <doctest/doctest.h>

#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include "c_api_test.h"
#include "dtls/types.hpp"
#include "fake_world.hpp"
#include "session/codec.hpp"
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
  CHECK_MESSAGE(c_api_login_flow(gateway.c_str(), trust.c_str(), d.config.game.c_str(), "carol",
                                 "correct horse", report, sizeof report) == 0,
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
  CHECK_MESSAGE(c_api_server_name(gateway.c_str(), ca.c_str(), d.config.game.c_str(), "gateway.example",
                                  "dave", "correct horse", report, sizeof report) == 0,
                report);
}
TEST_CASE("over-long user, password, world and game are refused with an error; nothing aborts") {
  gs::test::Deployment d("c-api-long");
  gs::test::add_account(d.config, "carol", "correct horse");
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
  REQUIRE(gs::test::login_when_ready(gs::test::client_options(d.config), "carol", "correct horse").outcome ==
          gs::client::Outcome::joined);
  char report[256] = "";
  auto gateway = d.config.gateway.listen.to_string();
  auto trust = d.config.tls.trust.string();
  CHECK_MESSAGE(c_api_over_long_fields(gateway.c_str(), trust.c_str(), d.config.game.c_str(), report,
                                       sizeof report) == 0,
                report);
}

TEST_CASE("gs_client_close during the gateway stage stops the login: nothing reaches auth, no callback") {
  gs::test::Deployment d("c-api-close");
  d.config.auth.max_failures_per_account = 2;
  gs::test::add_account(d.config, "carol", "correct horse");
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"});
  // Links up first, so that a request that did go out would be answered, and counted.
  REQUIRE(gs::test::login_when_ready(gs::test::client_options(d.config), "carol", "correct horse").outcome ==
          gs::client::Outcome::joined);
  char report[256] = "";
  auto gateway = d.config.gateway.listen.to_string();
  auto trust = d.config.tls.trust.string();
  CHECK_MESSAGE(c_api_close_stops_login(gateway.c_str(), trust.c_str(), d.config.game.c_str(), "carol",
                                        "correct horse", 3, report, sizeof report) == 0,
                report);
}

TEST_CASE("the C++ client refuses an over-long chat line and login fields without aborting") {
  asio::io_context io;
  gs::client::ClientOptions options;
  options.insecure = true;
  options.gateway = {"127.0.0.1", 9};  // never reached
  gs::client::Client client(io, options);
  CHECK_FALSE(client.send_chat(std::string(gs::protocol::max_chat + 1, 'x')));
  gs::client::FlowResult result;
  bool done = false;
  client.login_and_join(std::string(gs::protocol::max_name + 1, 'u'), "pw",
                        [&](const gs::client::FlowResult& r) {
                          result = r;
                          done = true;
                        });
  io.run_for(std::chrono::seconds(2));
  REQUIRE(done);
  CHECK(result.outcome == gs::client::Outcome::login_failed);
  CHECK(result.reason == "invalid_argument");

  options.game = std::string(gs::protocol::max_name + 1, 'g');
  CHECK_THROWS_AS(gs::client::Client(io, options), std::invalid_argument);
}

TEST_CASE("a C program's handle resumes after the world went silent; the new callbacks may be NULL") {
  gs::test::Deployment d("c-api-resume");
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  gs::test::FakeWorld world(io, d.config);
  gs::test::FakeGateway gateway(io, d.config, world.address());
  world.on_chat = [&](const std::string& text) {
    if (text != "break") return;
    asio::post(io, [&] {
      world.go_silent();
      world.send(gs::session::encode(gs::protocol::PlayerStatus{8, 1}));
    });
  };
  // Game messages reach the handle too; its on_message is NULL.
  world.on_join = [&] {
    world.send_game(gs::protocol::lane_reliable, {std::byte{'r'}});
    world.send_numbered(1, {std::byte{'u'}});
  };
  world.on_resume = [&] {
    world.send_game(gs::protocol::lane_reliable, {std::byte{'r'}});
    world.send_game(gs::protocol::lane_reliable,
                    gs::session::encode(gs::protocol::ChatEvent{8, "bob", "welcome back"}));
  };
  std::thread loop([&] {
    io.run();
    gs::dtls::release_thread_caches();  // the stand-in servers' ECC caches belong to this thread
  });
  char report[256] = "";
  const auto trust = d.config.tls.trust.string();
  for (int with_callbacks : {1, 0}) {
    CAPTURE(with_callbacks);
    report[0] = '\0';
    CHECK_MESSAGE(c_api_resume(gateway.address().c_str(), trust.c_str(), d.config.game.c_str(),
                               with_callbacks, report, sizeof report) == 0,
                  report);
  }
  work.reset();
  io.stop();
  loop.join();
  REQUIRE(world.resumes.size() == 2);
  CHECK(world.resumes[0].received == 1);  // the Welcome (the ticket is not counted)
}

TEST_CASE("a C program sends and receives game messages on lanes 1..4; lane 2's number is stripped") {
  gs::test::Deployment d("c-api-messages");
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  gs::test::FakeWorld world(io, d.config);
  gs::test::FakeGateway gateway(io, d.config, world.address());
  auto as_bytes = [](std::string_view s) {
    return std::vector<std::byte>(reinterpret_cast<const std::byte*>(s.data()),
                                  reinterpret_cast<const std::byte*>(s.data()) + s.size());
  };
  world.on_join = [&] {
    world.send_game(1, as_bytes("r"));
    world.send_numbered(1, as_bytes("u"));
    world.send_game(3, as_bytes("s"));
    world.send_game(4, as_bytes("x"));
  };
  world.on_game = [&](std::uint8_t lane, const std::vector<std::byte>& data) {
    world.send_game(1, as_bytes("echo " + std::to_string(lane) + ":" +
                                std::string(reinterpret_cast<const char*>(data.data()), data.size())));
  };
  std::thread loop([&] {
    io.run();
    gs::dtls::release_thread_caches();
  });
  char report[256] = "";
  const auto trust = d.config.tls.trust.string();
  CHECK_MESSAGE(c_api_messages(gateway.address().c_str(), trust.c_str(), d.config.game.c_str(), report,
                               sizeof report) == 0,
                report);
  work.reset();
  io.stop();
  loop.join();
  std::vector<std::string> heard;
  for (const auto& [lane, data] : world.game_heard)
    heard.push_back(std::to_string(lane) + ":" +
                    std::string(reinterpret_cast<const char*>(data.data()), data.size()));
  std::sort(heard.begin(), heard.end());
  CHECK(heard == std::vector<std::string>{"1:c1", "2:", "2:c2", "3:c3", "4:c4"});
}

TEST_CASE("a program built against an older header: the library reads only the struct members it has") {
  gs::test::Deployment d("c-api-older");
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  gs::test::FakeWorld world(io, d.config);
  gs::test::FakeGateway gateway(io, d.config, world.address());
  world.on_join = [&] {
    const std::vector<std::byte> x{std::byte{'x'}};
    world.send_game(1, x);
    world.send_numbered(1, x);
  };
  std::thread loop([&] {
    io.run();
    gs::dtls::release_thread_caches();
  });
  char report[256] = "";
  const auto trust = d.config.tls.trust.string();
  CHECK_MESSAGE(c_api_older_structs(gateway.address().c_str(), trust.c_str(), d.config.game.c_str(), report,
                                    sizeof report) == 0,
                report);
  work.reset();
  io.stop();
  loop.join();
}
