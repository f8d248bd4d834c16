// The shared listening object keeps nothing from one sender to the next: hellos with
// odd record sequence numbers, extra records or bytes flipped never lock other
// clients out (found by the flood test, tests/integration/flood_test.cpp).

#include <doctest/doctest.h>

#include "dtls/records.hpp"
#include "harness.hpp"

using namespace gs::dtls::test;

namespace {

Bytes first_hello(World& w) {
  Peer& p = w.add_client();
  p.client->start(w.now);
  REQUIRE(p.events.out.size() == 1);
  Bytes hello = p.events.out.front();
  w.peers.pop_back();
  return hello;
}

}  // namespace

TEST_CASE("only one record with sequence number 0 counts as a lone first record") {
  World w;
  Bytes hello = first_hello(w);
  CHECK(gs::dtls::is_lone_first_record(hello));
  Bytes later = hello;
  later[10] = 1;  // record sequence number 1
  CHECK_FALSE(gs::dtls::is_lone_first_record(later));
  Bytes longer = hello;
  longer.push_back(0);  // a byte after the record
  CHECK_FALSE(gs::dtls::is_lone_first_record(longer));
  CHECK_FALSE(gs::dtls::is_lone_first_record(Bytes(hello.begin(), hello.begin() + 12)));  // no whole header
}

TEST_CASE("a hello with a large record sequence number does not lock later clients out") {
  World w;
  Bytes hello = first_hello(w);
  for (std::size_t byte : {7u, 8u, 9u, 10u}) {
    Bytes odd = hello;
    odd[byte] ^= 0xff;  // record sequence number (bytes 5..10)
    w.server->receive(gs::net::Address::v4(0x0b000001u, 1000 + static_cast<std::uint16_t>(byte)), odd, w.now);
  }
  // The same hello with a record appended.
  Bytes twice = hello;
  twice.insert(twice.end(), hello.begin(), hello.end());
  twice[hello.size() + 10] = 0x80;
  w.server->receive(gs::net::Address::v4(0x0b000002u, 1000), twice, w.now);
  w.sevents.out.clear();
  CHECK(w.server->peer_count() == 0);

  Peer& p = w.add_client();
  CHECK(w.connect(p));
  CHECK(w.server->stats().cookies_accepted == 1);
}

TEST_CASE("hellos with flipped bytes from many addresses never stop the next client") {
  World w;
  Bytes hello = first_hello(w);
  for (std::size_t i = 0; i < hello.size(); ++i) {
    Bytes odd = hello;
    odd[i] ^= 0xff;
    w.server->receive(gs::net::Address::v4(0x0b100000u + static_cast<std::uint32_t>(i), 2000), odd, w.now);
    w.sevents.out.clear();
    const auto before = w.server->stats().hello_verify_sent;
    w.server->receive(gs::net::Address::v4(0x0b200000u + static_cast<std::uint32_t>(i), 2000), hello, w.now);
    INFO("flipped byte " << i);
    CHECK(w.server->stats().hello_verify_sent == before + 1);
    w.sevents.out.clear();
  }
  CHECK(w.server->peer_count() == 0);
  Peer& p = w.add_client();
  CHECK(w.connect(p));
}

TEST_CASE("no unauthenticated datagram is answered with more bytes than it carried") {
  World w;
  Bytes hello = first_hello(w);
  std::size_t answered = 0;
  auto check = [&](const Bytes& d, std::uint32_t n) {
    w.sevents.out.clear();
    w.server->receive(gs::net::Address::v4(0x0c000000u + n, 3000), d, w.now);
    std::size_t bytes = 0;
    for (const auto& [to, out] : w.sevents.out) bytes += out.size();
    INFO("datagram of " << d.size() << " bytes answered with " << bytes);
    CHECK(bytes <= d.size());
    if (bytes > 0) ++answered;
  };
  std::uint32_t n = 0;
  // Every truncation of a real hello, and the hello with each length field shrunk.
  for (std::size_t size = 1; size <= hello.size(); ++size)
    check(Bytes(hello.begin(), hello.begin() + size), ++n);
  for (std::size_t i = 0; i < hello.size(); ++i) {
    Bytes odd = hello;
    odd[i] = 0;
    check(odd, ++n);
    odd[i] = 0xff;
    check(odd, ++n);
  }
  CHECK(answered > 0);
  CHECK(w.server->peer_count() == 0);
}
