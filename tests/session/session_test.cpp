#include <doctest/doctest.h>

#include <random>

#include "session/codec.hpp"
#include "session/control.hpp"
#include "session_pair.hpp"

using namespace gs;
using namespace gs::session;
using namespace gs::session::test;

namespace {

struct Ping {
  static constexpr std::uint8_t type = 0x20;
  std::uint32_t n = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.n);
  }
};

const std::vector<std::uint8_t> token{'o', 'k'};

// Both sides send "ok" and accept exactly "ok".
void accept_ok(Recorder& events) {
  events.authenticating = [](Session& s, Time) { s.send_auth(token); };
  events.auth_data = [](Session& s, std::span<const std::uint8_t> d, Time now) {
    if (std::vector<std::uint8_t>(d.begin(), d.end()) == token)
      s.complete_auth(now);
    else
      s.refuse_auth("bad_token", now);
  };
}

}  // namespace

TEST_CASE("both sides complete: connected, with the time each state was entered") {
  Pair p;
  accept_ok(p.a_events);
  accept_ok(p.b_events);
  p.now += 10ms;
  p.open();
  CHECK(p.a.state() == State::authenticating);
  CHECK(p.a.entered(State::authenticating) == p.now);
  p.now += 3ms;
  p.pump();
  CHECK(p.a.state() == State::connected);
  CHECK(p.b.state() == State::connected);
  CHECK(p.a_events.connected == 1);
  CHECK(p.b_events.connected == 1);
  CHECK(p.a.entered(State::connected) == p.now);
  CHECK(p.a.entered(State::handshaking) == Time{});

  auto ping = encode(Ping{7});
  CHECK(p.a.send(1, ping));
  p.pump();
  REQUIRE(p.b_events.messages.size() == 1);
  CHECK(decode<Ping>(p.b_events.messages[0])->n == 7);
}

TEST_CASE("one side never completes: both fail at the auth timeout") {
  Pair p;
  accept_ok(p.a_events);
  p.b_events.authenticating = [](Session& s, Time) { s.send_auth(token); };  // b never completes
  p.open();
  p.pump();
  CHECK(p.a.state() == State::authenticating);
  p.advance(4900ms);
  CHECK(p.a.state() == State::authenticating);
  CHECK(p.a.next_wakeup() == p.a.entered(State::authenticating) + 5s);
  p.advance(100ms);
  CHECK(p.a_events.failures == std::vector<std::string>{"timeout"});
  CHECK(p.b_events.failures == std::vector<std::string>{"timeout"});
  CHECK(p.a.state() == State::closed);
  CHECK(p.b.state() == State::closed);
  CHECK(p.a.end_reason().code == EndCode::auth_timeout);
  CHECK(p.a_events.connected == 0);
}

TEST_CASE("a refusal reaches the peer with its reason and closes both") {
  Pair p;
  accept_ok(p.a_events);
  p.b_events.authenticating = [](Session& s, Time) { s.send_auth(std::vector<std::uint8_t>{'n', 'o'}); };
  p.b_events.auth_data = [](Session& s, std::span<const std::uint8_t>, Time now) { s.complete_auth(now); };
  p.open();
  p.pump();
  CHECK(p.a_events.failures == std::vector<std::string>{"bad_token"});
  CHECK(p.b_events.failures == std::vector<std::string>{"bad_token"});
  CHECK(p.a.end_reason().code == EndCode::auth_refused);
  CHECK(p.b.end_reason().code == EndCode::auth_refused);
  CHECK(p.a.state() == State::closed);
  CHECK(p.b.state() == State::closed);
}

TEST_CASE("role messages before authentication are dropped and counted") {
  Pair p;
  accept_ok(p.a_events);
  p.b_events.authenticating = [](Session& s, Time) { s.send_auth(token); };
  p.open();
  auto ping = encode(Ping{1});
  CHECK_FALSE(p.b.send(0, ping));  // the session itself refuses to send early
  p.b_pipe.send(0, ping);          // a peer that sends anyway
  p.b_pipe.send(3, ping);
  p.pump();
  CHECK(p.a_events.messages.empty());
  CHECK(p.a.dropped_messages() == 2);
  CHECK(p.a.state() == State::authenticating);
}

TEST_CASE("the game's lanes carry any bytes once connected; the control lane only role messages") {
  Pair p;
  accept_ok(p.a_events);
  accept_ok(p.b_events);
  p.open();
  const std::vector<std::byte> raw{std::byte{0x01}, std::byte{0xff}};  // would be session control on lane 0
  CHECK_FALSE(p.a.send(1, raw));                                       // not yet connected
  p.pump();
  REQUIRE(p.a.state() == State::connected);
  CHECK_FALSE(p.a.send(0, raw));  // session control belongs to the session
  CHECK_FALSE(p.a.send(0, {}));
  CHECK(p.a.send(1, raw));
  CHECK(p.a.send(4, {}));  // an empty game message is a message
  p.pump();
  REQUIRE(p.b_events.messages.size() == 2);
  CHECK(p.b_events.messages[0] == raw);
  CHECK(p.b_events.lanes[0] == 1);
  CHECK(p.b_events.messages[1].empty());
  CHECK(p.b_events.lanes[1] == 4);
  CHECK(p.b.dropped_messages() == 0);
}

TEST_CASE("auth data over the size limit is refused before it is sent") {
  Pair p;
  p.open();
  CHECK_FALSE(p.a.send_auth(std::vector<std::uint8_t>(max_auth_data + 1)));
  CHECK(p.a.send_auth(std::vector<std::uint8_t>(max_auth_data)));
}

TEST_CASE("repeated garbage closes the session with protocol_error") {
  Pair p;
  accept_ok(p.a_events);
  accept_ok(p.b_events);
  p.open();
  p.pump();
  REQUIRE(p.a.state() == State::connected);
  const std::vector<std::byte> junk{std::byte{0x01}, std::byte{0xff}};  // AuthData, truncated
  for (std::uint32_t i = 0; i <= p.config.max_bad_messages; ++i) p.a.transport_message(0, junk, p.now);
  CHECK(p.a.end_reason().code == EndCode::session_protocol_error);
  CHECK(p.a.state() == State::closing);
}

TEST_CASE("random bytes into the session and the decoders never crash") {
  std::mt19937 rng(1234);
  Pair p;
  accept_ok(p.a_events);
  accept_ok(p.b_events);
  p.config.max_bad_messages = 1u << 30;
  p.open();
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::byte> bytes(rng() % 64);
    for (auto& b : bytes) b = std::byte(static_cast<std::uint8_t>(rng()));
    if (!bytes.empty() && i % 3 == 0) bytes[0] = std::byte(static_cast<std::uint8_t>(rng() % 4));
    (void)decode<AuthData>(bytes);
    (void)decode<AuthRefused>(bytes);
    (void)decode<Ping>(bytes);
    p.a.transport_message(static_cast<std::uint8_t>(rng() % 5), bytes, p.now);
  }
  CHECK(p.a.dropped_messages() > 0);
}

TEST_CASE("an immediate close cuts short a flushing close already under way") {
  // A refused peer is closed after a flush so that it hears why; one that never lets
  // the flush finish must still be droppable at once (the auth timeout, the login timeout).
  Pair p;
  p.open();
  // a refuses b: it closes with flush.
  p.a.refuse_auth("bad", p.now);
  REQUIRE(p.a.state() == State::closing);
  REQUIRE(p.a_pipe.closed);
  CHECK(p.a_pipe.flushed);
  p.a_pipe.closed = false;  // the transport is still flushing
  p.a.close(/*flush=*/false, p.now);
  CHECK(p.a_pipe.closed);
  CHECK_FALSE(p.a_pipe.flushed);
  CHECK(p.a.end_reason().code == EndCode::auth_refused);  // the first reason stands
  // Once immediate, later closes change nothing.
  p.a_pipe.closed = false;
  p.a.close(/*flush=*/false, p.now);
  p.a.close(/*flush=*/true, p.now);
  CHECK_FALSE(p.a_pipe.closed);
}
