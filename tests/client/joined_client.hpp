#pragma once
// A client joined to a stand-in world (fake_world.hpp) on a loop the test drives: what
// the client tests of resuming and of game messages share. `log` records the resume
// events by name ("reconnecting N", "resumed", "disconnected WHY"); a test adds the
// events it looks at with on_events.

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "client/client.hpp"
#include "fake_world.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"

namespace gs::test {

struct JoinedClient {
  Deployment d;
  asio::io_context io;
  FakeWorld world{io, d.config};
  client::ClientOptions options = client_options(d.config);
  client::FlowResult joined;
  std::vector<std::string> log;
  std::function<void(std::uint32_t)> on_reconnecting;
  std::function<void(client::ClientEvents&)> on_events;  // the test's own events
  std::unique_ptr<client::Client> client;                // last: gone before what its events touch

  explicit JoinedClient(const std::string& tag) : d(tag) {
    options.resume_after = std::chrono::milliseconds(300);
  }

  client::ClientEvents events() {
    client::ClientEvents e;
    e.reconnecting = [this](std::uint32_t attempt) {
      log.push_back("reconnecting " + std::to_string(attempt));
      if (on_reconnecting) on_reconnecting(attempt);
    };
    e.resumed = [this](double) { log.push_back("resumed"); };
    e.disconnected = [this](std::string_view why) { log.push_back("disconnected " + std::string(why)); };
    if (on_events) on_events(e);
    return e;
  }

  void join() {
    client = std::make_unique<client::Client>(io, options);
    client->set_events(events());
    client->join_world("e30.token", world.address(), [this](const client::FlowResult& r) { joined = r; });
  }

  // Runs the loop until `done` holds; 20 s only to stop a test that went wrong.
  template <class F>
  void run_until(F done) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < end) io.run_for(std::chrono::milliseconds(20));
  }
  bool logged(const std::string& line) const { return std::find(log.begin(), log.end(), line) != log.end(); }
};

}  // namespace gs::test
