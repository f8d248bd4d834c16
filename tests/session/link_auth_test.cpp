#include <doctest/doctest.h>

#include "session/codec.hpp"
#include "session/control.hpp"
#include "session/link_auth.hpp"
#include "session_pair.hpp"

using namespace gs::session;
using namespace gs::session::test;
using gs::crypto::SecretBuffer;

namespace {

// gateway-1 (initiator) links to auth-1 (responder).
struct LinkPair {
  Pair p;
  SecretBuffer gateway_secret = SecretBuffer::random(32);
  SecretBuffer auth_secret = gateway_secret.clone();
  LinkAuth gateway{LinkAuth::Side::initiator,
                   {"gateway", "gateway-1"},
                   [this](std::string_view role, std::string_view) -> const SecretBuffer* {
                     return role == "auth" ? &gateway_secret : nullptr;
                   }};
  LinkAuth auth{LinkAuth::Side::responder,
                {"auth", "auth-1"},
                [this](std::string_view role, std::string_view id) -> const SecretBuffer* {
                  return role == "gateway" && id == "gateway-1" ? &auth_secret : nullptr;
                }};

  LinkPair() {
    wire(p.a_events, gateway);
    wire(p.b_events, auth);
  }
  static void wire(Recorder& events, LinkAuth& link) {
    events.authenticating = [&link](Session& s, Time now) { link.start(s, now); };
    events.auth_data = [&link](Session& s, std::span<const std::uint8_t> d, Time now) {
      link.on_auth_data(s, d, now);
    };
  }
};

}  // namespace

TEST_CASE("link peers with the same secret both end up connected, each knowing the other") {
  LinkPair l;
  l.p.open();
  l.p.pump();
  CHECK(l.p.a.state() == State::connected);
  CHECK(l.p.b.state() == State::connected);
  REQUIRE(l.auth.peer());
  CHECK(l.auth.peer()->id == "gateway-1");
  CHECK(l.gateway.peer()->role == "auth");
}

TEST_CASE("a wrong secret fails authentication on both sides") {
  LinkPair l;
  l.auth_secret = SecretBuffer::random(32);
  l.p.open();
  l.p.pump();
  CHECK(l.p.a_events.connected + l.p.b_events.connected == 0);
  CHECK(l.p.b_events.failures == std::vector<std::string>{"bad_proof"});
  CHECK(l.p.a_events.failures == std::vector<std::string>{"bad_proof"});
  CHECK(l.p.a.state() == State::closed);
  CHECK(l.p.b.state() == State::closed);
}

TEST_CASE("an unknown peer id is refused exactly like a wrong secret, so ids cannot be listed") {
  // The same answers, in the same steps, for an id auth does not know and for a known
  // id with a wrong secret: a caller learns nothing about which ids are configured.
  auto run = [](bool known_id) {
    LinkPair l;
    if (known_id) {
      l.auth_secret = SecretBuffer::random(32);
    } else {
      l.gateway = LinkAuth{LinkAuth::Side::initiator,
                           {"gateway", "gateway-9"},
                           [&](std::string_view, std::string_view) { return &l.gateway_secret; }};
    }
    l.p.open();
    l.p.pump();
    CHECK(l.p.a_events.connected + l.p.b_events.connected == 0);
    return std::make_pair(l.p.a_events.failures, l.p.b_events.failures);
  };
  auto wrong_secret = run(true);
  auto unknown_id = run(false);
  CHECK(unknown_id.first == std::vector<std::string>{"bad_proof"});
  CHECK(unknown_id.second == std::vector<std::string>{"bad_proof"});
  CHECK(unknown_id == wrong_secret);
}

TEST_CASE("a transcript replayed from an earlier connection fails") {
  LinkPair first;
  first.p.open();
  first.p.pump();
  REQUIRE(first.p.b.state() == State::connected);
  const auto& recorded = first.p.a_pipe.sent;  // the gateway's hello, proof, complete
  REQUIRE(recorded.size() == 3);

  // Connection 2: a new DTLS session (new keying material), a new auth nonce, and an
  // attacker without the secret replaying the gateway's messages from connection 1.
  Pair again;
  again.binding.assign(32, 0x77);
  SecretBuffer secret = first.auth_secret.clone();
  LinkAuth auth{LinkAuth::Side::responder, {"auth", "auth-1"}, [&](std::string_view, std::string_view) {
                  return &secret;
                }};
  LinkPair::wire(again.b_events, auth);
  again.b.transport_open(again.binding, again.now);
  again.b.transport_message(0, recorded[0], again.now);
  again.b.transport_message(0, recorded[1], again.now);
  again.b.transport_message(0, recorded[2], again.now);
  CHECK(again.b_events.failures == std::vector<std::string>{"bad_proof"});
  CHECK(again.b_events.connected == 0);
  CHECK(again.b.state() != State::connected);
}

TEST_CASE("a peer that reflects our own hello or proof back fails") {
  Pair p;
  SecretBuffer secret = SecretBuffer::random(32);
  LinkAuth gateway{LinkAuth::Side::initiator,
                   {"gateway", "gateway-1"},
                   [&](std::string_view, std::string_view) { return &secret; }};
  LinkPair::wire(p.a_events, gateway);
  p.a.transport_open(p.binding, p.now);
  REQUIRE(p.a_pipe.sent.size() == 1);
  auto own_hello = p.a_pipe.sent[0];

  SUBCASE("reflected hello: our own nonce comes back") {
    p.a.transport_message(0, own_hello, p.now);
    CHECK(p.a_events.failures == std::vector<std::string>{"bad_proof"});
  }
  SUBCASE("reflected proof: our own proof comes back under another identity") {
    auto fake_hello = encode(LinkHello{"auth", "auth-1", gs::crypto::make_link_nonce()});
    const auto* raw = reinterpret_cast<const std::uint8_t*>(fake_hello.data());
    p.a.transport_message(0, encode(AuthData{{raw, raw + fake_hello.size()}}), p.now);
    REQUIRE(p.a_pipe.sent.size() == 2);
    auto own_proof = p.a_pipe.sent[1];
    p.a.transport_message(0, own_proof, p.now);
    CHECK(p.a_events.failures == std::vector<std::string>{"bad_proof"});
    CHECK(p.a_events.connected == 0);
  }
}

TEST_CASE("malformed link messages are refused") {
  LinkPair l;
  l.p.open();
  l.p.a_pipe.outbox.clear();
  l.p.b.transport_message(0, encode(AuthData{{0x01, 0x05}}), l.p.now);
  CHECK(l.p.b_events.failures == std::vector<std::string>{"malformed_hello"});
}
