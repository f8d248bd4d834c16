// Resume tickets: a ticket verifies for its world until it expires and says who it is
// for; a changed byte, another world's ticket, a restarted world's key, an expired or a
// truncated ticket are refused with their own reason.
#include <doctest/doctest.h>

#include "crypto/resume_ticket.hpp"

using gs::crypto::ResumeError;
using gs::crypto::ResumeTickets;

namespace {

constexpr std::uint64_t now = 1'800'000'000;

}  // namespace

TEST_CASE("a ticket verifies for its world until it expires and names the account, player and nonce") {
  ResumeTickets world("world-1");
  auto issued = world.issue("alice", 42, now + 15);
  REQUIRE_FALSE(issued.bytes.empty());
  CHECK(issued.bytes.front() == gs::crypto::resume_ticket_version);
  CHECK(issued.bytes.front() != 'e');  // never mistaken for a JWS login token

  auto claims = world.verify(issued.bytes, now);
  REQUIRE(claims);
  CHECK(claims.value().world == "world-1");
  CHECK(claims.value().account == "alice");
  CHECK(claims.value().player_id == 42);
  CHECK(claims.value().expires == now + 15);
  CHECK(claims.value().nonce == issued.nonce);

  auto at_expiry = world.verify(issued.bytes, now + 15);
  REQUIRE_FALSE(at_expiry);
  CHECK(at_expiry.error() == ResumeError::expired);
}

TEST_CASE("two tickets for the same player differ in their nonce") {
  ResumeTickets world("world-1");
  auto a = world.issue("alice", 42, now + 15);
  auto b = world.issue("alice", 42, now + 15);
  CHECK(a.nonce != b.nonce);
  CHECK(a.bytes != b.bytes);
}

TEST_CASE("any changed byte is refused before a claim is believed") {
  ResumeTickets world("world-1");
  auto issued = world.issue("alice", 42, now + 15);
  for (std::size_t i = 1; i < issued.bytes.size(); ++i) {
    auto bent = issued.bytes;
    bent[i] ^= 0x01;
    auto result = world.verify(bent, now);
    CAPTURE(i);
    REQUIRE_FALSE(result);
    // A changed length byte may make the layout itself wrong; anything else fails the MAC.
    CHECK((result.error() == ResumeError::bad_mac || result.error() == ResumeError::malformed));
  }
}

TEST_CASE("another world's ticket and a restarted world's are refused") {
  ResumeTickets one("world-1"), two("world-2");
  auto for_two = two.issue("alice", 42, now + 15);
  auto other = one.verify(for_two.bytes, now);
  REQUIRE_FALSE(other);
  CHECK(other.error() == ResumeError::bad_mac);  // another key: its MAC fails first

  ResumeTickets before_restart("world-1"), after_restart("world-1");
  auto old = before_restart.issue("alice", 42, now + 15);
  auto refused = after_restart.verify(old.bytes, now);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == ResumeError::bad_mac);
}

TEST_CASE("truncated, extended, empty and wrong-version tickets are malformed") {
  ResumeTickets world("world-1");
  auto issued = world.issue("alice", 42, now + 15);
  std::vector<std::uint8_t> empty;
  CHECK(world.verify(empty, now).error() == ResumeError::malformed);
  for (std::size_t len : {std::size_t{1}, std::size_t{10}, issued.bytes.size() - 1}) {
    std::vector<std::uint8_t> cut(issued.bytes.begin(), issued.bytes.begin() + static_cast<long>(len));
    CAPTURE(len);
    CHECK(world.verify(cut, now).error() == ResumeError::malformed);
  }
  auto longer = issued.bytes;
  longer.push_back(0);
  CHECK(world.verify(longer, now).error() == ResumeError::malformed);
  auto version = issued.bytes;
  version[0] = 2;
  CHECK(world.verify(version, now).error() == ResumeError::malformed);
}

TEST_CASE("names longer than 64 bytes get no ticket") {
  ResumeTickets world("world-1");
  CHECK(world.issue(std::string(65, 'a'), 1, now + 15).bytes.empty());
  CHECK_FALSE(world.issue(std::string(64, 'a'), 1, now + 15).bytes.empty());
}
