// The world with a game module (roles/world/world_game.cpp), in memory on a manual clock:
// the test module "c_echo" (modules/c_module.c) greets on lane 1, echoes on the lane it
// was sent on, kicks on "kick", and broadcasts "later" on lane 2 from a timer.
#include <doctest/doctest.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "roles/world_harness.hpp"
#include "session/codec.hpp"

using namespace gs;
using namespace gs::roles;
using namespace gs::roles::test;
using gs::session::encode;

namespace {

struct GameWorld : Harness {
  game::LoadedModule module{std::getenv("GS_TEST_MODULE_C")};
  game::GameHost game{
      module.module(), world, spdlog::default_logger(), {}, [this] {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
      }};
  GameWorld() {
    game.start();
    world.set_game(&game);
  }
  ~GameWorld() { world.set_game(nullptr); }

  void say(Conn& c, std::uint8_t lane, const std::string& text) {
    c.client.send(lane, std::as_bytes(std::span(text.data(), text.size())));
    pump();
  }
};

std::string text(std::span<const std::byte> m) { return {reinterpret_cast<const char*>(m.data()), m.size()}; }

// What a client got on `lane`, as text; lane 2's number split off.
std::vector<std::string> on_lane(const Conn& c, std::uint8_t lane) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < c.events.messages.size(); ++i) {
    if (c.events.lanes[i] != lane) continue;
    const auto& m = c.events.messages[i];
    if (lane == protocol::lane_unordered) {
      auto numbered = protocol::read_numbered(m);
      REQUIRE(numbered);
      out.push_back(std::to_string(numbered->number) + ":" + text(numbered->data));
    } else {
      out.push_back(text(m));
    }
  }
  return out;
}

std::vector<std::uint8_t> resume_data(const Conn& c, std::uint32_t reliable, std::uint32_t below) {
  auto tickets = c.received<protocol::ResumeTicket>();
  REQUIRE_FALSE(tickets.empty());
  auto bytes =
      encode(protocol::ResumeRequest{c.lane0_received(), reliable, below, {}, tickets.back().ticket});
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  return {p, p + bytes.size()};
}

}  // namespace

TEST_CASE("a game module hears joins and messages, and what it sends reaches the player on its lane") {
  GameWorld h;
  auto& a = h.connect(h.token("alice"));
  CHECK(on_lane(a, protocol::lane_reliable) == std::vector<std::string>{"hello"});
  h.say(a, protocol::lane_reliable, "one");
  h.say(a, protocol::lane_unordered, "two");
  h.say(a, protocol::lane_unordered, "three");
  h.say(a, protocol::lane_sequenced, "four");
  h.say(a, protocol::lane_unreliable, "five");
  CHECK(on_lane(a, protocol::lane_reliable) == std::vector<std::string>{"hello", "one"});
  CHECK(on_lane(a, protocol::lane_unordered) == std::vector<std::string>{"1:two", "2:three"});
  CHECK(on_lane(a, protocol::lane_sequenced) == std::vector<std::string>{"four"});
  CHECK(on_lane(a, protocol::lane_unreliable) == std::vector<std::string>{"five"});
  // Lane 0 is the world's: what a client says there never reaches the game.
  // (The echo game would answer on some lane.)
  const auto before = a.events.messages.size();
  h.say(a, protocol::lane_control, "six");
  CHECK(a.events.messages.size() == before);
  CHECK(h.world.stats().malformed == 1);
  CHECK(h.world.stats().no_game == 0);
}

TEST_CASE("a game's kick takes effect once its callback returned: the player is told and leaves") {
  GameWorld h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  h.say(a, protocol::lane_reliable, "kick");
  auto kicked = a.received<protocol::Kicked>();
  REQUIRE(kicked.size() == 1);
  CHECK(kicked[0].reason == "asked to");
  CHECK(h.world.players() == 1);
  REQUIRE(b.received<protocol::PlayerLeft>().size() == 1);
  CHECK(b.received<protocol::PlayerLeft>()[0].reason == "kicked");
  CHECK(h.game.callback_errors().at("message") == 0);
}

TEST_CASE(
    "resume: the game's reliable messages the player missed come back, lane 1 in order, lane 2 by number") {
  GameWorld h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  h.say(a, protocol::lane_reliable, "kept");
  h.say(a, protocol::lane_unordered, "got");  // number 1, received
  // These reach the world, but the echoes are lost with the path.
  for (auto [lane, t] :
       {std::pair{protocol::lane_reliable, "lost one"}, {protocol::lane_unordered, "lost two"}})
    a.client.send(lane, std::as_bytes(std::span(std::string_view(t))));
  gs::session::test::deliver(a.client_pipe, a.server, h.now);
  a.server_pipe.outbox.clear();
  const auto request = resume_data(a, 2, 2);  // lane 1: "hello", "kept"; lane 2: all below 2
  h.drop(a, EndCode::timeout);
  h.say(b, protocol::lane_reliable, "later");  // a timer broadcasts "later" on lane 2 in 50 ms
  h.ticks(3);

  auto& back = h.connect_data(request);
  REQUIRE(back.client.state() == session::State::connected);
  CHECK(on_lane(back, protocol::lane_reliable) == std::vector<std::string>{"lost one"});
  CHECK(on_lane(back, protocol::lane_unordered) == std::vector<std::string>{"2:lost two", "3:later"});
  // Numbering goes on where it was.
  h.say(back, protocol::lane_unordered, "after");
  CHECK(on_lane(back, protocol::lane_unordered).back() == "4:after");
}

TEST_CASE("resume: a lane-2 claim the world cannot honour is refused as backlog") {
  GameWorld h;
  auto& a = h.connect(h.token("alice"));
  const auto beyond = resume_data(a, 1, 5);  // numbers the world never sent
  h.drop(a, EndCode::timeout);
  auto& back = h.connect_data(beyond);
  REQUIRE_FALSE(back.events.failures.empty());
  CHECK(back.events.failures.back() == "backlog");
}
