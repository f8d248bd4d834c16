// The client's side of resuming a session (docs/PROTOCOL.md, "Resuming a session"),
// against a stand-in world (fake_world.hpp): what it sends, from where, what it reports.

#include <doctest/doctest.h>

#include <asio/post.hpp>

#include "client/client.hpp"
#include "joined_client.hpp"
#include "session/codec.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"

using namespace std::chrono_literals;
using gs::session::encode;
namespace protocol = gs::protocol;

namespace {

// A client joined to a FakeWorld; every event it reports is written to `log`. After its
// Welcome (lane 0: 1) and ticket the world sends the arena's chat (lane 1: 1), an unknown
// lane-0 message (2) and bob's arrival (3); `on_bob` runs when the client sees bob.
struct Fixture : gs::test::JoinedClient {
  std::function<void()> on_bob;
  std::vector<std::string> chats;

  Fixture() : JoinedClient("client-resume") {
    world.on_join = [this] {
      world.send_game(protocol::lane_reliable, encode(protocol::ChatEvent{8, "bob", "one"}));
      world.send({std::byte{0x3f}});  // a type this client does not know: counted all the same
      world.send(encode(protocol::PlayerJoined{8, "bob"}));
    };
    on_events = [this](gs::client::ClientEvents& e) {
      // Chat rides lane 1, ordered with itself but not with lane 0's events.
      e.chat = [this](const protocol::ChatEvent& c) { chats.push_back(c.text); };
      e.joined = [this](const protocol::PlayerJoined& j) {
        log.push_back("joined " + j.account);
        // Posted: the world's host must not go away inside the client's callback chain.
        if (on_bob) asio::post(io, on_bob);
      };
      e.status = [this](const protocol::PlayerStatus& s) {
        log.push_back("status " + std::to_string(s.player_id) + " " + std::to_string(s.state));
      };
    };
  }
  ~Fixture() { client.reset(); }  // before what its events touch here
};

}  // namespace

TEST_CASE(
    "silence from the world: the client resumes from a new port with its ticket and count, "
    "then gets what it missed in order") {
  Fixture f;
  std::vector<std::uint8_t> first_ticket;
  bool refused_while_reconnecting = false;
  f.on_bob = [&] {
    first_ticket = f.world.ticket;
    f.world.go_silent();
    // Sent while the path is down: the client gets them only through the replay. State 2
    // is no state: the client drops it (it still counts).
    f.world.send(encode(protocol::PlayerStatus{8, 2}));
    f.world.send(encode(protocol::PlayerStatus{8, 1}));
    f.world.send_game(protocol::lane_reliable, encode(protocol::ChatEvent{8, "bob", "missed"}));
  };
  f.on_reconnecting = [&](std::uint32_t) {
    refused_while_reconnecting = f.client->reconnecting() && !f.client->in_world() &&
                                 !f.client->send_chat("lost") && !f.client->send_input(1, 1);
  };
  f.join();
  f.run_until([&] { return f.chats.size() == 2 || f.logged("disconnected resume_timeout"); });
  REQUIRE(f.client->send_chat("back"));
  f.run_until([&] { return !f.world.chat_heard.empty(); });

  CHECK(f.joined.outcome == gs::client::Outcome::joined);
  CHECK(f.joined.player_id == 7);
  CHECK(f.log == std::vector<std::string>{"joined bob", "reconnecting 1", "resumed", "status 8 1"});
  CHECK(f.chats == std::vector<std::string>{"one", "missed"});
  CHECK(refused_while_reconnecting);
  REQUIRE(f.world.resumes.size() == 1);
  CHECK(f.world.resumes[0].received == 3);           // Welcome, unknown, joined; tickets not counted
  CHECK(f.world.resumes[0].received_reliable == 1);  // the chat
  CHECK(f.world.resumes[0].ticket == first_ticket);
  CHECK(f.world.resumes[0].port != f.world.join_port);            // a new socket
  CHECK(f.world.chat_heard == std::vector<std::string>{"back"});  // on the new connection
  CHECK(f.client->in_world());
  CHECK(f.client->resume_stats().resumes == 1);
  CHECK(f.client->resume_stats().max_ms > 0);
}

TEST_CASE("with silence detection off, the world connection timing out starts the resume") {
  Fixture f;
  f.options.resume_after = 0ms;
  f.options.channel.timeout = 1s;
  f.options.channel.keepalive = 200ms;
  f.on_bob = [&] { f.world.go_silent(); };
  f.join();
  f.run_until([&] { return f.logged("resumed") || f.logged("disconnected resume_timeout"); });
  CHECK(f.log == std::vector<std::string>{"joined bob", "reconnecting 1", "resumed"});
  REQUIRE(f.world.resumes.size() == 1);
  CHECK(f.world.resumes[0].received == 3);
}

TEST_CASE("a refused resume ends in disconnected with the world's reason") {
  Fixture f;
  f.world.refuse = "no_seat";
  f.on_bob = [&] { f.world.go_silent(); };
  f.join();
  f.run_until([&] { return f.logged("disconnected resume_refused: no_seat"); });
  CHECK(f.log ==
        std::vector<std::string>{"joined bob", "reconnecting 1", "disconnected resume_refused: no_seat"});
  CHECK(f.world.resumes.size() == 1);
  CHECK_FALSE(f.client->in_world());
  CHECK_FALSE(f.client->reconnecting());
  CHECK_FALSE(f.client->send_chat("too late"));
}

TEST_CASE("a world that never answers: the client gives up when the ticket's grace has passed") {
  Fixture f;
  f.world.grace_ms = 600;
  f.on_bob = [&] { f.world.stop(); };
  f.join();
  f.run_until([&] { return f.logged("disconnected resume_timeout"); });
  REQUIRE(f.log.size() >= 3);
  CHECK(f.log[1] == "reconnecting 1");
  CHECK(f.log.back() == "disconnected resume_timeout");
  CHECK(f.client->resume_stats().resumes == 0);
}

TEST_CASE("close() while reconnecting stops the resume: no attempt reaches the world, no event follows") {
  Fixture f;
  f.on_bob = [&] { f.world.go_silent(); };  // still listening: an attempt would get through
  f.on_reconnecting = [&](std::uint32_t) { f.client->close(); };
  f.join();
  f.run_until([&] { return f.logged("reconnecting 1"); });
  f.io.run_for(1500ms);
  CHECK(f.log == std::vector<std::string>{"joined bob", "reconnecting 1"});
  CHECK(f.world.resumes.empty());
  CHECK_FALSE(f.client->in_world());
  CHECK_FALSE(f.client->reconnecting());
}

TEST_CASE("a kicked player does not resume, ticket or not") {
  Fixture f;
  f.on_bob = [&] { f.world.kick("replaced"); };
  f.join();
  f.run_until([&] { return f.logged("disconnected replaced"); });
  f.io.run_for(500ms);  // past resume_after: silence after a kick starts nothing either
  CHECK(f.log == std::vector<std::string>{"joined bob", "disconnected replaced"});
  CHECK(f.world.resumes.empty());
}

TEST_CASE("resume_after below 40 ms is refused") {
  asio::io_context io;
  gs::client::ClientOptions options;
  options.insecure = true;
  options.resume_after = 39ms;
  CHECK_THROWS_AS(gs::client::Client(io, options), std::invalid_argument);
  options.resume_after = 0ms;
  CHECK_NOTHROW(gs::client::Client(io, options));
}
