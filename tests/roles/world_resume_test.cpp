// Resuming a session at the world (roles/world/world_resume.cpp; docs/PROTOCOL.md,
// "Resuming a session"), in memory on a manual clock.
#include <doctest/doctest.h>

#include "roles/world_harness.hpp"

using namespace gs;
using namespace gs::roles;
using namespace gs::roles::test;
using gs::session::encode;
using protocol::PlayerState;

namespace {

std::vector<std::uint8_t> request(std::uint32_t received, const std::vector<std::uint8_t>& ticket) {
  auto bytes = encode(protocol::ResumeRequest{received, 0, 1, {}, ticket});
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()),
          reinterpret_cast<const std::uint8_t*>(bytes.data()) + bytes.size()};
}

std::vector<std::uint8_t> latest_ticket(const Conn& c) {
  auto tickets = c.received<protocol::ResumeTicket>();
  REQUIRE_FALSE(tickets.empty());
  return tickets.back().ticket;
}

// The joins and leaves a client heard on lane 0, in order: "+account" for a join, "-id"
// for a leave.
std::vector<std::string> comings_and_goings(const Conn& c) {
  std::vector<std::string> out;
  for (const auto& m : c.events.messages) {
    if (auto j = gs::session::decode<protocol::PlayerJoined>(m)) out.push_back("+" + j->account);
    if (auto l = gs::session::decode<protocol::PlayerLeft>(m))
      out.push_back("-" + std::to_string(l->player_id));
  }
  return out;
}

std::uint32_t id_of(const Conn& c) { return c.received<protocol::Welcome>().at(0).player_id; }

// A player who joins and leaves at once: two lane-0 messages to everyone else.
void visit(Harness& h, const std::string& account) {
  auto& c = h.connect(h.token(account));
  c.client.close(false, h.now);
  h.pump();
}

std::vector<std::uint8_t> statuses_of(const Conn& c, std::uint32_t player) {
  std::vector<std::uint8_t> out;
  for (auto& s : c.received<protocol::PlayerStatus>())
    if (s.player_id == player) out.push_back(s.state);
  return out;
}

std::string refusal(const Conn& c) { return c.events.failures.empty() ? "" : c.events.failures.back(); }

}  // namespace

TEST_CASE("resume: a seated player holds a ticket with the grace; a grace of 0 issues none") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  auto tickets = a.received<protocol::ResumeTicket>();
  REQUIRE(tickets.size() == 1);
  CHECK(tickets[0].grace_ms == 15'000);
  CHECK(tickets[0].ticket.size() > 64);

  WorldService::Settings off;
  off.resume_grace = 0s;
  Harness h0(off);
  auto& b = h0.connect(h0.token("bob"));
  CHECK(b.received<protocol::ResumeTicket>().empty());
  h0.drop(b, EndCode::timeout);
  CHECK(h0.world.players() == 0);  // no grace: a broken path is a leave
}

TEST_CASE("resume: a broken path suspends the player; the others see suspended, then left at the grace") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  const std::uint32_t alice = a.received<protocol::Welcome>()[0].player_id;
  std::vector<protocol::SeatUpdate> seats;
  h.world.set_seat_listener([&](const protocol::SeatUpdate& s) { seats.push_back(s); });
  h.drop(a, EndCode::timeout);
  h.pump();
  CHECK(h.world.players() == 2);
  CHECK(h.world.suspended_players() == 1);
  CHECK(statuses_of(b, alice) == std::vector<std::uint8_t>{std::uint8_t(PlayerState::suspended)});
  CHECK(b.received<protocol::PlayerLeft>().empty());
  CHECK(seats.empty());  // the seat stays taken

  h.ticks(14 * 30);  // 14 s: still within the 15 s grace
  CHECK(h.world.players() == 2);
  h.ticks(2 * 30);
  CHECK(h.world.players() == 1);
  auto left = b.received<protocol::PlayerLeft>();
  REQUIRE(left.size() == 1);
  CHECK(left[0].player_id == alice);
  CHECK(left[0].reason == "timeout");
  CHECK(h.world.stats().resume_timeouts == 1);
  REQUIRE(seats.size() == 1);
  CHECK_FALSE(seats[0].seated);
}

TEST_CASE("resume: a goodbye, a protocol breach or a shutdown leaves at once") {
  for (EndCode code : {EndCode::remote, EndCode::protocol_error, EndCode::shutdown, EndCode::local}) {
    CAPTURE(to_string(code));
    Harness h;
    auto& a = h.connect(h.token("alice"));
    auto& b = h.connect(h.token("bob"));
    h.drop(a, code);
    h.pump();
    CHECK(h.world.players() == 1);
    CHECK(b.received<protocol::PlayerStatus>().empty());
    REQUIRE(b.received<protocol::PlayerLeft>().size() == 1);
    CHECK(b.received<protocol::PlayerLeft>()[0].reason == "left");
  }
}

TEST_CASE("resume: the seat comes back with its id, and every lane-0 message missed follows once, in order") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  const std::uint32_t alice = id_of(a);
  auto& carol = h.connect(h.token("carol"));
  // "in flight": carol's leave, sent by the world, never reached alice before her path broke.
  h.world.remove_client(carol.server);
  const std::uint32_t received = a.lane0_received();
  CHECK(received == 4);  // Welcome, alice, bob and carol joined
  const auto ticket = latest_ticket(a);
  a.server_pipe.outbox.clear();  // lost with the path
  h.drop(a, EndCode::timeout);
  h.pump();
  visit(h, "dave");
  h.ticks(30);

  auto& back = h.connect_data(request(received, ticket));
  CHECK(back.client.state() == session::State::connected);
  CHECK(back.received<protocol::Welcome>().empty());  // no second welcome: the same player
  CHECK(comings_and_goings(back) == std::vector<std::string>{"-" + std::to_string(id_of(carol)), "+dave",
                                                             "-" + std::to_string(alice + 3)});
  CHECK(h.world.players() == 2);
  CHECK(h.world.suspended_players() == 0);
  CHECK(h.world.stats().resumed == 1);
  CHECK(statuses_of(b, alice) ==
        std::vector<std::uint8_t>{std::uint8_t(PlayerState::suspended), std::uint8_t(PlayerState::active)});
  // A fresh ticket, and the player is live again: the next join reaches it.
  REQUIRE(back.received<protocol::ResumeTicket>().size() == 1);
  CHECK(back.received<protocol::ResumeTicket>()[0].ticket != ticket);
  h.connect(h.token("erin"));
  CHECK(comings_and_goings(back).back() == "+erin");
}

TEST_CASE("resume: a connection still open (a NAT rebinding) is closed, and the others see no break") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  auto& back = h.connect_data(request(a.lane0_received(), latest_ticket(a)));
  CHECK(back.client.state() == session::State::connected);
  CHECK(a.server.end_reason().code == EndCode::resumed);
  h.world.remove_client(a.server);  // what the host reports once that close is done
  h.pump();
  CHECK(h.world.players() == 2);
  CHECK(b.received<protocol::PlayerStatus>().empty());
  CHECK(b.received<protocol::PlayerLeft>().empty());
  h.connect(h.token("carol"));
  CHECK(comings_and_goings(back) == std::vector<std::string>{"+carol"});
}

TEST_CASE("resume: a used, expired, forged, other-world or garbled ticket is refused with its reason") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  const auto first = latest_ticket(a);
  const std::uint32_t received = a.lane0_received();
  h.drop(a, EndCode::timeout);
  CHECK(h.connect_data(request(received, first)).client.state() == session::State::connected);

  SUBCASE("used") { CHECK(refusal(h.connect_data(request(received, first))) == "ticket_used"); }
  SUBCASE("expired") {
    auto& again = *h.conns.back();
    const auto fresh = latest_ticket(again);
    h.drop(again, EndCode::timeout);
    h.wall += 2 * 15s + 6s;
    CHECK(refusal(h.connect_data(request(received, fresh))) == "expired");
  }
  SUBCASE("forged") {
    auto forged = latest_ticket(*h.conns.back());
    forged[forged.size() / 2] ^= 1;
    CHECK(refusal(h.connect_data(request(received, forged))) == "bad_mac");
  }
  SUBCASE("another world's: its key differs, so its MAC fails here") {
    WorldService::Settings other;
    other.id = "world-2";
    Harness h2(other);
    auto& elsewhere = h2.connect(h2.signer.issue("alice", "world-2", 30s, h2.wall).token);
    CHECK(refusal(h.connect_data(request(1, latest_ticket(elsewhere)))) == "bad_mac");
  }
  SUBCASE("garbled") {
    std::vector<std::uint8_t> garbage{protocol::ResumeRequest::type, 1, 2, 3};
    CHECK(refusal(h.connect_data(garbage)) == "malformed");
  }
  CHECK(h.world.players() == 1);
}

TEST_CASE("resume: the ticket before a re-issue still works, the one before that does not") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  h.ticks(16 * 30);  // past one grace: a second ticket
  h.ticks(16 * 30);  // and a third
  auto tickets = a.received<protocol::ResumeTicket>();
  REQUIRE(tickets.size() == 3);
  CHECK(refusal(h.connect_data(request(a.lane0_received(), tickets[0].ticket))) == "ticket_used");
  auto& back = h.connect_data(request(a.lane0_received(), tickets[1].ticket));
  CHECK(back.client.state() == session::State::connected);
  CHECK(refusal(h.connect_data(request(a.lane0_received(), tickets[2].ticket))) == "ticket_used");
}

TEST_CASE("resume: a player who missed more than the backlog is refused rather than resumed with a gap") {
  WorldService::Settings settings;
  settings.resume_backlog = 16;
  Harness h(settings);
  auto& a = h.connect(h.token("alice"));
  h.connect(h.token("bob"));
  const std::uint32_t received = a.lane0_received();
  const auto ticket = latest_ticket(a);
  h.drop(a, EndCode::timeout);
  // Welcome, alice and bob joined were 1..3; alice has them. Nine visits make 4..21, and
  // 16 kept are 6..21: numbers 4 and 5 are gone.
  for (int i = 0; i < 9; ++i) visit(h, "visitor " + std::to_string(i));
  CHECK(refusal(h.connect_data(request(received, ticket))) == "backlog");
  CHECK(h.world.stats().resumes_refused.at("backlog") == 1);
  // A count beyond what the world sent is no better.
  CHECK(refusal(h.connect_data(request(received + 1000, ticket))) == "backlog");
}

TEST_CASE(
    "resume: a suspended player is replaced by a new login of the account; its ticket then finds no seat") {
  Harness h;
  auto& a = h.connect(h.token("alice"));
  auto& b = h.connect(h.token("bob"));
  const auto ticket = latest_ticket(a);
  const std::uint32_t received = a.lane0_received();
  h.drop(a, EndCode::timeout);
  h.connect(h.token("alice"));
  CHECK(h.world.players() == 2);
  CHECK(h.world.suspended_players() == 0);
  REQUIRE(b.received<protocol::PlayerLeft>().size() == 1);
  CHECK(b.received<protocol::PlayerLeft>()[0].reason == "replaced");
  CHECK(refusal(h.connect_data(request(received, ticket))) == "no_seat");
}
