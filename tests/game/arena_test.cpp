// The arena module (games/arena) in the world, in memory on a manual clock: movement on
// a bounded map, interest snapshots on lane 3, chat relayed on lane 1 under a per-player
// bucket. The world's tick rate is 10 Hz here, so a tick is 100 ms.
#include <doctest/doctest.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "arena_protocol.hpp"
#include "roles/world_harness.hpp"
#include "session/codec.hpp"

using namespace gs;
using namespace gs::roles;
using namespace gs::roles::test;
using gs::session::encode;

namespace {

WorldService::Settings ten_hertz() {
  WorldService::Settings s;
  s.tick_rate = 10;
  return s;
}

struct Arena : Harness {
  game::LoadedModule module{std::getenv("GS_TEST_MODULE_ARENA")};
  game::GameHost game;
  explicit Arena(std::vector<config::GameSetting> settings = {})
      : Harness(ten_hertz()),
        game(module.module(), world, spdlog::default_logger(), std::move(settings), [this] {
          return static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
        }) {
    game.start();
    world.set_game(&game);
  }
  ~Arena() { world.set_game(nullptr); }

  void move(Conn& c, std::uint32_t sequence, std::int32_t x, std::int32_t y) {
    c.client.send(protocol::lane_sequenced, encode(protocol::Input{sequence, x, y}));
    pump();
  }
  void chat(Conn& c, const std::string& text, std::uint8_t lane = protocol::lane_reliable) {
    c.client.send(lane, encode(protocol::Chat{text}));
    pump();
  }
};

std::uint32_t id_of(const Conn& c) {
  auto welcome = c.received<protocol::Welcome>();
  REQUIRE(welcome.size() == 1);
  return welcome[0].player_id;
}

// The messages of kind M a client got on `lane`.
template <class M>
std::vector<M> on_lane(const Conn& c, std::uint8_t lane) {
  std::vector<M> out;
  for (std::size_t i = 0; i < c.events.messages.size(); ++i)
    if (c.events.lanes[i] == lane)
      if (auto m = session::decode<M>(c.events.messages[i])) out.push_back(*m);
  return out;
}

protocol::Snapshot last_snapshot(const Conn& c) {
  auto snapshots = on_lane<protocol::Snapshot>(c, protocol::lane_sequenced);
  REQUIRE_FALSE(snapshots.empty());
  return snapshots.back();
}

std::optional<protocol::SnapshotEntry> find(const protocol::Snapshot& s, std::uint32_t id) {
  for (const auto& e : s.players)
    if (e.player_id == id) return e;
  return std::nullopt;
}

protocol::SnapshotEntry position(const Conn& c) {
  auto me = find(last_snapshot(c), id_of(c));
  REQUIRE(me);
  return *me;
}

}  // namespace

TEST_CASE("arena: input moves a player at its speed, and the map's edge stops it") {
  Arena h({{"map_size", "4000"}, {"speed", "1000"}});
  auto& a = h.connect(h.token("alice"));
  h.ticks(1);
  const auto start = position(a);
  h.move(a, 1, 100, -50);  // full speed right, half speed up: 100 mm and -50 mm a tick
  h.ticks(2);
  auto p = position(a);
  CHECK(p.x == start.x + 200);
  CHECK(p.y == start.y - 100);
  // An older input is ignored (serial-number order); a newer one replaces it.
  h.move(a, 0, -100, 0);
  h.ticks(1);
  CHECK(position(a).x == start.x + 300);
  h.move(a, 2, 0, 0);
  h.ticks(1);
  CHECK(position(a).x == start.x + 300);
  // Out of range input is not taken.
  h.move(a, 3, 101, 0);
  h.ticks(1);
  CHECK(position(a).x == start.x + 300);
  h.move(a, 4, 100, 100);
  const auto tick = last_snapshot(a).tick;
  h.ticks(40);  // 4 m: past both edges from anywhere on a 4 m map
  p = position(a);
  CHECK(p.x == 3999);
  CHECK(p.y == 3999);
  CHECK(last_snapshot(a).tick == tick + 40);  // one a tick, numbered by the world's tick
}

TEST_CASE("arena: a snapshot carries only the players within the interest radius") {
  // Spawn points are within 2 m of the centre in each axis: less than 3 m apart.
  Arena h({{"speed", "10000"}, {"interest_radius", "3000"}});
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  h.ticks(1);
  CHECK(last_snapshot(a).players.size() == 2);
  CHECK(last_snapshot(b).players.size() == 2);
  h.move(b, 1, 100, 0);
  h.ticks(10);  // bob moves 10 m away
  REQUIRE(position(b).x - position(a).x > 3000);
  auto seen_by_a = last_snapshot(a);
  CHECK(seen_by_a.players.size() == 1);
  CHECK(find(seen_by_a, id_of(a)));
  auto seen_by_b = last_snapshot(b);
  CHECK(seen_by_b.players.size() == 1);
  CHECK(find(seen_by_b, id_of(b)));
  CHECK(on_lane<protocol::Snapshot>(a, protocol::lane_control).empty());
}

TEST_CASE("arena: chat on lane 1 is relayed to everyone on lane 1, with the sender's id and account") {
  Arena h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  h.chat(a, "hello");
  for (auto* c : {&a, &b}) {
    auto events = on_lane<protocol::ChatEvent>(*c, protocol::lane_reliable);
    REQUIRE(events.size() == 1);
    CHECK(events[0].player_id == id_of(a));
    CHECK(events[0].account == "alice");
    CHECK(events[0].text == "hello");
    CHECK(on_lane<protocol::ChatEvent>(*c, protocol::lane_control).empty());
  }
  // Not on another lane, and never empty.
  h.chat(a, "wrong lane", protocol::lane_unordered);
  h.chat(a, "");
  CHECK(on_lane<protocol::ChatEvent>(b, protocol::lane_reliable).size() == 1);
  CHECK(on_lane<protocol::ChatEvent>(b, protocol::lane_unordered).empty());
}

TEST_CASE("arena: a chat flood is cut to the player's bucket, which refills at chat_per_s") {
  Arena h({{"chat_per_s", "2"}, {"chat_burst", "3"}});
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  for (int i = 0; i < 10; ++i) h.chat(a, "spam " + std::to_string(i));
  CHECK(on_lane<protocol::ChatEvent>(b, protocol::lane_reliable).size() == 3);
  // Bob has a bucket of his own.
  h.chat(b, "mine");
  CHECK(on_lane<protocol::ChatEvent>(a, protocol::lane_reliable).back().text == "mine");
  h.now += std::chrono::seconds(1);  // two more lines' worth
  for (int i = 0; i < 5; ++i) h.chat(a, "again " + std::to_string(i));
  auto events = on_lane<protocol::ChatEvent>(b, protocol::lane_reliable);
  REQUIRE(events.size() == 6);
  CHECK(events[4].text == "again 0");
  CHECK(events[5].text == "again 1");
  // The world did not count the flood against the player: nobody was kicked.
  CHECK(h.world.players() == 2);
}

TEST_CASE("arena: a suspended player stands still and gets no snapshots until it is back") {
  Arena h({config::GameSetting{"speed", "1000"}});
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  h.move(a, 1, 100, 0);
  h.ticks(1);
  const auto before = *find(last_snapshot(b), id_of(a));
  const auto a_snapshots = on_lane<protocol::Snapshot>(a, protocol::lane_sequenced).size();
  h.drop(a, EndCode::timeout);  // suspended: the world keeps the seat for a resume
  REQUIRE(h.world.suspended_players() == 1);
  h.ticks(5);
  const auto after = find(last_snapshot(b), id_of(a));
  REQUIRE(after);
  CHECK(after->x == before.x);
  CHECK(on_lane<protocol::Snapshot>(a, protocol::lane_sequenced).size() == a_snapshots);
}

TEST_CASE("arena: the module's own codec and the client library's arena messages are the same bytes") {
  // The client library encodes with gameserver's codec (protocol/messages.hpp), the module
  // with arena_protocol.hpp: a change to one alone breaks the game.
  const protocol::Input input{70'000, -100, 55};
  auto decoded = arena::decode_input(encode(input));
  REQUIRE(decoded);
  CHECK(decoded->sequence == input.sequence);
  CHECK(decoded->move_x == input.move_x);
  CHECK(decoded->move_y == input.move_y);
  CHECK(arena::decode_chat(encode(protocol::Chat{"héllo"})) == std::optional<std::string>("héllo"));

  protocol::Snapshot snapshot{9, {{1, -5, 7}, {2, 100'000, 0}}};
  std::vector<arena::SnapshotEntry> entries;
  for (const auto& p : snapshot.players) entries.push_back({p.player_id, p.x, p.y});
  std::vector<std::byte> bytes;
  REQUIRE(arena::encode_snapshot(snapshot.tick, entries, bytes));
  CHECK(bytes == encode(snapshot));

  bytes.clear();
  REQUIRE(arena::encode_chat_event(3, "bob", "hi", bytes));
  CHECK(bytes == encode(protocol::ChatEvent{3, "bob", "hi"}));
  // And the limits agree: what one refuses, so does the other.
  CHECK(arena::max_chat == protocol::max_chat);
  CHECK(arena::max_snapshot_entries == protocol::max_snapshot_entries);
  const std::vector<std::byte> bad_utf8{std::byte{0x33}, std::byte{1}, std::byte{0}, std::byte{0xff}};
  CHECK_FALSE(session::decode<protocol::Chat>(bad_utf8));
  CHECK_FALSE(arena::decode_chat(bad_utf8));
}
