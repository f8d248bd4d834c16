// SeatMap: one seat per account; of two worlds' seats the newer token's wins, the same
// way on every auth server whatever order the reports arrive in.
#include <doctest/doctest.h>

#include "roles/auth/seat_map.hpp"

using gs::roles::Seat;
using gs::roles::SeatMap;

namespace {

Seat seat(const char* world, std::uint32_t player, std::int64_t since, const char* jti) {
  return Seat{world, player, since, jti};
}

}  // namespace

TEST_CASE("a first seat is kept and found; its release frees it") {
  SeatMap seats;
  CHECK_FALSE(seats.taken("alice", seat("w1", 7, 100, "a")));
  REQUIRE(seats.find("alice") != nullptr);
  CHECK(seats.find("alice")->world == "w1");
  CHECK(seats.find("alice")->player_id == 7);
  CHECK(seats.find("bob") == nullptr);
  seats.released("alice", "w1", 7);
  CHECK(seats.find("alice") == nullptr);
}

TEST_CASE("a second world's newer seat evicts the first") {
  SeatMap seats;
  seats.taken("alice", seat("w1", 7, 100, "a"));
  auto evicted = seats.taken("alice", seat("w2", 3, 101, "b"));
  REQUIRE(evicted);
  CHECK(evicted->account == "alice");
  CHECK(evicted->seat.world == "w1");
  CHECK(evicted->seat.player_id == 7);
  CHECK(seats.find("alice")->world == "w2");
}

TEST_CASE("a report of an older seat, arriving late, is the one evicted") {
  SeatMap seats;
  seats.taken("alice", seat("w2", 3, 101, "b"));
  auto evicted = seats.taken("alice", seat("w1", 7, 100, "a"));
  REQUIRE(evicted);
  CHECK(evicted->seat.world == "w1");
  CHECK(seats.find("alice")->world == "w2");
}

TEST_CASE("two auth servers hearing the reports in opposite orders evict the same seat") {
  // Two tokens issued in the same second: the jti breaks the tie.
  const Seat first = seat("w1", 7, 100, "Q");
  const Seat second = seat("w2", 3, 100, "k");
  SeatMap auth_a, auth_b;
  auth_a.taken("alice", first);
  auto from_a = auth_a.taken("alice", second);
  auth_b.taken("alice", second);
  auto from_b = auth_b.taken("alice", first);
  REQUIRE(from_a);
  REQUIRE(from_b);
  CHECK(from_a->seat.world == from_b->seat.world);
  CHECK(auth_a.find("alice")->world == auth_b.find("alice")->world);
}

TEST_CASE("a world that replaces its own player evicts nothing") {
  SeatMap seats;
  seats.taken("alice", seat("w1", 7, 100, "a"));
  CHECK_FALSE(seats.taken("alice", seat("w1", 8, 101, "b")));
  CHECK(seats.find("alice")->player_id == 8);
  // The old player's release, reported after, does not free the new seat.
  seats.released("alice", "w1", 7);
  REQUIRE(seats.find("alice") != nullptr);
  CHECK(seats.find("alice")->player_id == 8);
}

TEST_CASE("a release from a world that no longer holds the seat changes nothing") {
  SeatMap seats;
  seats.taken("alice", seat("w1", 7, 100, "a"));
  seats.taken("alice", seat("w2", 3, 101, "b"));
  seats.released("alice", "w1", 7);  // w1 obeyed the eviction
  REQUIRE(seats.find("alice") != nullptr);
  CHECK(seats.find("alice")->world == "w2");
}

TEST_CASE("a world that goes away takes its seats with it") {
  SeatMap seats;
  seats.taken("alice", seat("w1", 7, 100, "a"));
  seats.taken("bob", seat("w2", 3, 100, "b"));
  seats.forget_world("w1");
  CHECK(seats.find("alice") == nullptr);
  CHECK(seats.find("bob") != nullptr);
  CHECK(seats.size() == 1);
}
