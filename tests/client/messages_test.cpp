// The client's game messages (docs/PROTOCOL.md, "Lanes"): lanes 1..4 both ways, the
// world's lane-2 numbers stripped and checked, and what a resume request says about
// lanes 1 and 2 ("Resuming a session"), against a stand-in world (fake_world.hpp).

#include <doctest/doctest.h>

#include <asio/post.hpp>

#include "client/client.hpp"
#include "gameserver/game.h"
#include "joined_client.hpp"
#include "session/codec.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"

using namespace std::chrono_literals;
namespace protocol = gs::protocol;

namespace {

std::vector<std::byte> bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()),
          reinterpret_cast<const std::byte*>(text.data()) + text.size()};
}

std::string text(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

// A client joined to a FakeWorld; each game message it gets is logged as "LANE:TEXT".
// `on_messages` runs (posted) once `wait_for` messages came.
struct Fixture : gs::test::JoinedClient {
  std::vector<std::string> messages;
  std::size_t wait_for = 0;
  std::function<void()> on_messages;

  Fixture() : JoinedClient("client-messages") {
    on_events = [this](gs::client::ClientEvents& e) {
      e.message = [this](std::uint8_t lane, std::span<const std::byte> data) {
        messages.push_back(std::to_string(lane) + ":" + text(data));
        if (messages.size() == wait_for && on_messages) asio::post(io, on_messages);
      };
    };
  }

  ~Fixture() { client.reset(); }  // before what its events touch here

  std::vector<std::string> sorted_messages() const {
    auto m = messages;
    std::sort(m.begin(), m.end());
    return m;
  }
};

}  // namespace

TEST_CASE(
    "game messages from the world on lanes 1..4: lane 2's number stripped, short and duplicate ones "
    "dropped") {
  Fixture f;
  f.world.on_join = [&] {
    f.world.send_game(1, bytes("reliable"));
    f.world.send_game(1, {});  // empty: delivered all the same
    f.world.send_numbered(1, bytes("unordered"));
    f.world.send_numbered(1, bytes("again"));            // a number already delivered
    f.world.send_game(2, {std::byte{1}, std::byte{0}});  // shorter than a number
    f.world.send_numbered(2, {});
    f.world.send_game(3, bytes("sequenced"));
    f.world.send_game(4, bytes("unreliable"));
  };
  f.join();
  f.run_until([&] {
    const auto stats = f.client->message_stats();
    return f.messages.size() >= 6 && stats.short_unordered >= 1 && stats.duplicate_unordered >= 1;
  });
  CHECK(f.joined.outcome == gs::client::Outcome::joined);
  CHECK(f.sorted_messages() ==
        std::vector<std::string>{"1:", "1:reliable", "2:", "2:unordered", "3:sequenced", "4:unreliable"});
  // Lane 1 in order.
  auto first_reliable = std::find(f.messages.begin(), f.messages.end(), "1:reliable");
  CHECK((first_reliable != f.messages.end() &&
         std::find(first_reliable, f.messages.end(), "1:") != f.messages.end()));
  CHECK(f.client->message_stats().short_unordered == 1);
  CHECK(f.client->message_stats().duplicate_unordered == 1);
}

TEST_CASE(
    "game messages to the world on lanes 1..4, as they are; other lanes, over-long ones and outside the "
    "world refused") {
  Fixture f;
  f.join();
  const std::vector<std::byte> big(GS_GAME_MAX_MESSAGE + 1);
  CHECK_FALSE(f.client->send(1, bytes("too early")));  // not in the world yet
  f.run_until([&] { return f.client->in_world(); });
  REQUIRE(f.client->in_world());
  for (std::uint8_t lane = 1; lane <= 4; ++lane)
    CHECK(f.client->send(lane, bytes("to " + std::to_string(lane))));
  CHECK(f.client->send(2, {}));
  CHECK(f.client->send(1, std::span(big).first(GS_GAME_MAX_MESSAGE)));
  CHECK_FALSE(f.client->send(0, bytes("control")));
  CHECK_FALSE(f.client->send(5, bytes("no lane")));
  CHECK_FALSE(f.client->send(1, big));
  f.run_until([&] { return f.world.game_heard.size() >= 6; });
  std::vector<std::string> heard;
  for (const auto& [lane, data] : f.world.game_heard)
    heard.push_back(std::to_string(lane) + ":" +
                    (data.size() > 100 ? std::to_string(data.size()) : text(data)));
  std::sort(heard.begin(), heard.end());
  // The client puts no number before its own lane-2 messages.
  CHECK(heard == std::vector<std::string>{"1:262144", "1:to 1", "2:", "2:to 2", "3:to 3", "4:to 4"});
  f.client->close();
  CHECK_FALSE(f.client->send(1, bytes("closed")));
}

TEST_CASE(
    "after a break the resume request carries the lane-1 count and the lane-2 gap; numbers go on across "
    "resumes") {
  Fixture f;
  f.world.on_join = [&] {
    for (const char* t : {"a", "b", "c"}) f.world.send_game(1, bytes(t));
    f.world.send_numbered(1, bytes("n1"));
    f.world.send_numbered(2, bytes("n2"));
    f.world.send_numbered(4, bytes("n4"));  // 3 is missing
  };
  f.wait_for = 6;
  f.on_messages = [&] {
    f.world.go_silent();
    f.world.send_game(1, bytes("d"));       // missed: replayed after the resume
    f.world.send_numbered(3, bytes("n3"));  // likewise
    f.on_messages = nullptr;
  };
  f.world.on_resume = [&] { f.world.send_numbered(4, bytes("n4 again")); };  // a duplicate: dropped
  f.join();
  f.run_until([&] { return f.messages.size() >= 8 && f.client->message_stats().duplicate_unordered >= 1; });
  REQUIRE(f.world.resumes.size() == 1);
  CHECK(f.world.resumes[0].received == 1);  // the Welcome
  CHECK(f.world.resumes[0].received_reliable == 3);
  CHECK(f.world.resumes[0].unordered_below == 3);
  CHECK(f.world.resumes[0].unordered_above == std::vector<std::uint32_t>{4});
  CHECK(f.log == std::vector<std::string>{"reconnecting 1", "resumed"});
  CHECK(std::vector(f.messages.begin() + 6, f.messages.end()) == std::vector<std::string>{"1:d", "2:n3"});

  // A second break: the counts go on from the first connection's.
  f.world.send_numbered(5, bytes("n5"));
  f.wait_for = 9;
  f.on_messages = [&] { f.world.go_silent(); };
  // The world sends number 4 once more after this resume too: dropped again.
  f.run_until(
      [&] { return f.world.resumes.size() >= 2 && f.client->message_stats().duplicate_unordered >= 2; });
  REQUIRE(f.world.resumes.size() == 2);
  CHECK(f.world.resumes[1].received_reliable == 4);
  CHECK(f.world.resumes[1].unordered_below == 6);
  CHECK(f.world.resumes[1].unordered_above.empty());
  CHECK(f.log == std::vector<std::string>{"reconnecting 1", "resumed", "reconnecting 1", "resumed"});
  CHECK(f.messages.size() == 9);
  CHECK(f.client->message_stats().duplicate_unordered == 2);
}

TEST_CASE(
    "more lane-2 numbers above a gap than a resume request holds: a break ends in resume_refused backlog") {
  Fixture f;
  const std::uint32_t above = protocol::max_unordered_above + 1;
  f.world.on_join = [&] {
    for (std::uint32_t n = 2; n <= above + 1; ++n) f.world.send_numbered(n, {});  // 1 never comes
  };
  f.wait_for = above;
  f.on_messages = [&] { f.world.go_silent(); };
  f.join();
  f.run_until([&] { return !f.log.empty(); });
  CHECK(f.log == std::vector<std::string>{"disconnected resume_refused: backlog"});
  CHECK(f.world.resumes.empty());  // not even tried
  CHECK_FALSE(f.client->in_world());
  CHECK_FALSE(f.client->reconnecting());
}

TEST_CASE("a gap filled again before the break: the resume goes ahead") {
  Fixture f;
  const std::uint32_t above = protocol::max_unordered_above + 1;
  f.world.on_join = [&] {
    for (std::uint32_t n = 2; n <= above + 1; ++n) f.world.send_numbered(n, {});
    f.world.send_numbered(1, {});  // the gap closes: nothing above it is left to name
  };
  f.wait_for = above + 1;
  f.on_messages = [&] { f.world.go_silent(); };
  f.join();
  f.run_until([&] { return f.logged("resumed") || f.log.size() >= 2; });
  CHECK(f.log == std::vector<std::string>{"reconnecting 1", "resumed"});
  REQUIRE(f.world.resumes.size() == 1);
  CHECK(f.world.resumes[0].unordered_below == above + 2);
  CHECK(f.world.resumes[0].unordered_above.empty());
}

TEST_CASE(
    "a full list of lane-2 numbers above a gap: the resume request names them all, within the pre-auth "
    "limit") {
  Fixture f;
  const std::uint32_t above = protocol::max_unordered_above;
  f.world.on_join = [&] {
    for (std::uint32_t n = 2; n <= above + 1; ++n) f.world.send_numbered(n, {});
  };
  f.wait_for = above;
  f.on_messages = [&] { f.world.go_silent(); };
  f.join();
  f.run_until([&] { return f.logged("resumed") || f.log.size() >= 2; });
  CHECK(f.log == std::vector<std::string>{"reconnecting 1", "resumed"});
  REQUIRE(f.world.resumes.size() == 1);
  CHECK(f.world.resumes[0].unordered_below == 1);
  CHECK(f.world.resumes[0].unordered_above.size() == above);
}
