// Handshakes over a lossy in-memory wire: our retransmission timer, and each lost flight
// that used to stay lost.
#include "dtls/retransmit.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace gs::dtls::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t kChangeCipherSpec = 20;

// The first record of a datagram is a ChangeCipherSpec: the server's last flight.
bool is_last_server_flight(const Bytes& d) { return !d.empty() && d[0] == kChangeCipherSpec; }

int handshake_type(const Bytes& d) {
  return d.size() > 13 && d[0] == gs::dtls::kContentHandshake ? d[13] : -1;
}

// The waits between the resends of a flight nobody answers: the clock jumps to each
// wakeup in turn and `sends` says how many datagrams went out there.
template <class Wakeup, class Update, class Sends>
std::vector<std::chrono::milliseconds> resend_waits(World& w, int count, Wakeup wakeup, Update update,
                                                    Sends sends) {
  std::vector<std::chrono::milliseconds> waits;
  while (static_cast<int>(waits.size()) < count) {
    const auto at = wakeup();
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(at - w.now));
    w.now = at;
    update();
    if (sends() == 0) break;
  }
  return waits;
}

}  // namespace

TEST_CASE("a client resends an unanswered flight every 250 ms three times, then doubling up to 2 s") {
  World w;
  Peer& p = w.add_client();
  p.client->start(w.now);
  REQUIRE(p.events.out.size() == 1);
  p.events.out.clear();
  auto waits = resend_waits(
      w, 8, [&] { return *p.client->next_wakeup(); }, [&] { p.client->update(w.now); },
      [&] {
        auto n = p.events.out.size();
        p.events.out.clear();
        return n;
      });
  CHECK(waits ==
        std::vector<std::chrono::milliseconds>{250ms, 250ms, 250ms, 500ms, 1000ms, 2000ms, 2000ms, 2000ms});
  CHECK(p.client->retransmissions() == 8);
}

TEST_CASE("a server resends an unanswered flight every 250 ms three times, then doubling up to 2 s") {
  World w;
  Peer& p = w.add_client();
  p.client->start(w.now);
  // ClientHello, HelloVerifyRequest, ClientHello with the cookie; the server's flight is
  // lost and the client vanishes: nobody answers it.
  w.pump([](bool to_server, const Bytes& d) { return !to_server && handshake_type(d) == 2; });
  p.client.reset();
  REQUIRE(w.server->half_open_count() == 1);
  auto waits = resend_waits(
      w, 7, [&] { return w.server->next_wakeup(); }, [&] { w.server->update(w.now); },
      [&] {
        auto n = w.sevents.out.size();
        w.sevents.out.clear();
        return n;
      });
  CHECK(waits == std::vector<std::chrono::milliseconds>{250ms, 250ms, 250ms, 500ms, 1000ms, 2000ms, 2000ms});
  CHECK(w.server->stats().retransmissions == 7);
}

TEST_CASE("once the client has measured the round trip its next flight waits 2 x RTT") {
  World w;
  Peer& p = w.add_client();
  p.client->start(w.now);
  w.server->receive(p.addr, p.events.out.front(), w.now);
  p.events.out.clear();
  REQUIRE(w.sevents.out.size() == 1);  // the HelloVerifyRequest, delivered 300 ms later
  w.now += 200ms;
  p.client->update(w.now);  // before the 250 ms resend
  w.now += 100ms;
  p.client->receive(w.sevents.out.front().second, w.now);
  w.sevents.out.clear();
  REQUIRE(p.events.out.size() == 1);  // the ClientHello with the cookie
  REQUIRE(p.client->handshake_rtt());
  CHECK(*p.client->handshake_rtt() == 300ms);
  CHECK(*p.client->next_wakeup() - w.now == 600ms);
}

TEST_CASE("the server's last flight, lost once, is resent when the client's final flight returns") {
  World w;
  Peer& p = w.add_client();
  int dropped = 0;
  auto drop = [&](bool to_server, const Bytes& d) {
    if (!to_server && is_last_server_flight(d) && dropped == 0) return ++dropped, true;
    return false;
  };
  REQUIRE(w.connect_lossy(p, drop));
  CHECK(dropped == 1);
  CHECK(w.server->stats().final_flights_resent == 1);
  CHECK(p.client->retransmissions() == 1);
  // The client's first record shows it has the Finished: the copy is dropped, and a
  // stray ClientKeyExchange after that is not answered.
  REQUIRE(p.client->send(bytes("hi")) == gs::dtls::SendResult::ok);
  w.pump();
  CHECK(w.sevents.data[w.sevents.accepted[0]] == std::vector<std::string>{"hi"});
}

TEST_CASE("1000 handshakes at 10% loss each way all complete") {
  int failures = 0;
  for (unsigned seed = 1; seed <= 1000; ++seed) {
    World w;
    Peer& p = w.add_client();
    std::mt19937 rng(seed);
    auto drop = [&](bool, const Bytes&) { return std::uniform_real_distribution<double>(0, 1)(rng) < 0.1; };
    if (!w.connect_lossy(p, drop, 10s)) ++failures;
  }
  CHECK(failures == 0);
}

TEST_CASE("a late copy of the ClientHello with the cookie does not replace the established session") {
  World w;
  Peer& p = w.add_client();
  Bytes hello_with_cookie;
  auto keep = [&](bool to_server, const Bytes& d) {
    if (to_server && handshake_type(d) == 1 && gs::dtls::inspect_client_hello(d).has_cookie &&
        hello_with_cookie.empty())
      hello_with_cookie = d;
    return false;
  };
  REQUIRE(w.connect_lossy(p, keep));
  REQUIRE(!hello_with_cookie.empty());
  // The wire delivers a resent copy late (a resend that crossed the server's flight).
  w.server->receive(p.addr, hello_with_cookie, w.now);
  w.pump();
  CHECK(w.sevents.closed.empty());
  CHECK(w.server->established_count() == 1);
  CHECK(w.server->stats().sessions_replaced == 0);
  REQUIRE(p.client->send(bytes("still here")) == gs::dtls::SendResult::ok);
  w.pump();
  CHECK(w.sevents.data[w.sevents.accepted[0]] == std::vector<std::string>{"still here"});
}

TEST_CASE("a server answers a resent ClientHello with its flight, at most once per 100 ms") {
  World w;
  Peer& p = w.add_client();
  Bytes hello_with_cookie;
  p.client->start(w.now);
  w.pump([&](bool to_server, const Bytes& d) {
    if (to_server && gs::dtls::inspect_client_hello(d).has_cookie) hello_with_cookie = d;
    return !to_server && handshake_type(d) == 2;  // the server's flight is lost
  });
  p.client.reset();
  REQUIRE(!hello_with_cookie.empty());
  w.now = w.server->next_wakeup();
  w.server->update(w.now);  // resent after 250 ms; the next wait is 250 ms again
  REQUIRE(w.server->stats().retransmissions == 1);
  const auto next = w.server->next_wakeup();
  CHECK(next - w.now == 250ms);
  w.sevents.out.clear();
  w.now += 50ms;
  w.server->receive(p.addr, hello_with_cookie, w.now);  // too soon after the last send
  CHECK(w.sevents.out.empty());
  CHECK(w.server->next_wakeup() == next);
  w.now += 50ms;
  w.server->receive(p.addr, hello_with_cookie, w.now);
  CHECK(!w.sevents.out.empty());
  CHECK(w.server->stats().retransmissions == 2);
  CHECK(w.server->next_wakeup() - w.now == 250ms);  // counted as the second resend
  w.now = w.server->next_wakeup();
  w.server->update(w.now);  // the third resend: the next wait doubles
  CHECK(w.server->stats().retransmissions == 3);
  CHECK(w.server->next_wakeup() - w.now == 500ms);
  CHECK(w.server->half_open_count() == 1);
}

TEST_CASE("a resend budget allows its count in each one-second window, then waits for the next") {
  gs::dtls::TimePoint t0 = gs::dtls::TimePoint{} + std::chrono::hours(1);
  gs::dtls::ResendBudget budget(3);
  CHECK(budget.available(t0));
  CHECK(budget.take(t0));
  CHECK(budget.take(t0 + 100ms));
  CHECK(budget.take(t0 + 900ms));
  CHECK(!budget.available(t0 + 999ms));
  CHECK(!budget.take(t0 + 999ms));
  CHECK(budget.window_end() == t0 + 1s);
  CHECK(budget.available(t0 + 1s));
  CHECK(budget.take(t0 + 1s));  // a new window, from here
  CHECK(budget.window_end() == t0 + 2s);
}

TEST_CASE("a server resends at most max_resends_per_second flights per second in total") {
  auto config = server_config();
  config.max_resends_per_second = 3;
  World w(config);
  std::vector<Peer*> peers;
  for (int i = 0; i < 5; ++i) peers.push_back(&w.add_client());
  for (Peer* p : peers) p->client->start(w.now);
  // Every server flight is lost and the clients vanish: five flights fall due at once.
  w.pump([](bool to_server, const Bytes& d) { return !to_server && handshake_type(d) == 2; });
  for (Peer* p : peers) p->client.reset();
  REQUIRE(w.server->half_open_count() == 5);
  const auto first_due = w.server->next_wakeup();
  CHECK(first_due - w.now == 250ms);
  w.now = first_due;
  w.server->update(w.now);
  CHECK(w.server->stats().retransmissions == 3);
  CHECK(w.server->stats().resends_deferred == 2);
  // The other two wait for the budget's next second, not for a due time already past.
  CHECK(w.server->next_wakeup() == first_due + 1s);
  w.now += 500ms;  // the three resent are due again (250 ms), the budget is still spent
  w.server->update(w.now);
  CHECK(w.server->stats().retransmissions == 3);
  w.now = w.server->next_wakeup();
  w.server->update(w.now);
  CHECK(w.server->stats().retransmissions == 6);
  CHECK(w.server->half_open_count() == 5);
}
