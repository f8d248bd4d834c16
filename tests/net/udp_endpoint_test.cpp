#include "net/udp_endpoint.hpp"

#include <doctest/doctest.h>

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::vector<std::uint8_t> payload(std::uint32_t seq, std::size_t size) {
  std::vector<std::uint8_t> d(size, static_cast<std::uint8_t>(seq));
  std::memcpy(d.data(), &seq, sizeof(seq));
  return d;
}

std::unique_ptr<gs::net::UdpEndpoint> try_bind(asio::io_context& io, const gs::net::Address& a) {
  try {
    return std::make_unique<gs::net::UdpEndpoint>(io, a);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

TEST_CASE("address parsing, formatting and equality") {
  auto a = gs::net::Address::parse("127.0.0.1:7000");
  REQUIRE(a);
  CHECK(a->is_v4());
  CHECK(a->port() == 7000);
  CHECK(a->to_string() == "127.0.0.1:7000");
  CHECK(*a == gs::net::Address::loopback_v4(7000));
  CHECK_FALSE(*a == gs::net::Address::loopback_v4(7001));

  auto b = gs::net::Address::parse("[::1]:9");
  REQUIRE(b);
  CHECK(b->is_v6());
  CHECK(b->to_string() == "[::1]:9");
  CHECK(*b == gs::net::Address::loopback_v6(9));

  auto mapped = gs::net::Address::parse("[::ffff:127.0.0.1]:7000");
  REQUIRE(mapped);
  CHECK(mapped->is_v4());
  CHECK(*mapped == *a);
  CHECK(mapped->hash() == a->hash());

  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "::1:80", "[::1]80",
                          "host.example:80", "1.2.3.4:8x"})
    CHECK_FALSE(gs::net::Address::parse(bad));

  sockaddr_storage ss{};
  CHECK(a->to_socket_form(AF_INET6, ss) == sizeof(sockaddr_in6));
  CHECK(b->to_socket_form(AF_INET, ss) == 0);
}

TEST_CASE("IPv4 loopback: many datagrams, received in batches") {
  asio::io_context io;
  gs::net::UdpEndpoint rx(io, gs::net::Address::loopback_v4(0));
  gs::net::UdpEndpoint tx(io, gs::net::Address::loopback_v4(0));
  constexpr std::uint32_t kCount = 2000;
  std::vector<int> seen(kCount, 0);
  std::uint32_t received = 0;
  gs::net::Address from;
  rx.start([&](const gs::net::Address& f, std::span<const std::uint8_t> d) {
    REQUIRE(d.size() == 200);
    std::uint32_t seq = 0;
    std::memcpy(&seq, d.data(), sizeof(seq));
    REQUIRE(seq < kCount);
    ++seen[seq];
    from = f;
    if (++received == kCount) io.stop();
  });
  for (std::uint32_t i = 0; i < kCount; ++i) CHECK(tx.send(rx.local_address(), payload(i, 200)));
  io.run_for(5s);
  CHECK(received == kCount);
  CHECK(from == tx.local_address());
  for (int s : seen) CHECK(s == 1);
  CHECK(tx.stats().datagrams_sent == kCount);
  CHECK(tx.stats().send_calls < kCount / 8);     // sendmmsg batches
  CHECK(rx.stats().receive_calls < kCount / 4);  // recvmmsg batches
  MESSAGE("send calls " << tx.stats().send_calls << ", receive calls " << rx.stats().receive_calls
                        << ", wake-ups " << rx.stats().receive_wakeups);
}

TEST_CASE("IPv6 loopback and a dual-stack socket talking to IPv4") {
  asio::io_context io;
  auto v6 = try_bind(io, gs::net::Address::loopback_v6(0));
  if (!v6) {
    MESSAGE("no IPv6 loopback here; skipped");
    return;
  }
  auto any6 = gs::net::Address::parse("[::]:0");
  REQUIRE(any6);
  gs::net::UdpEndpoint dual(io, *any6);
  gs::net::UdpEndpoint v4(io, gs::net::Address::loopback_v4(0));
  int got = 0;
  dual.start([&](const gs::net::Address& f, std::span<const std::uint8_t> d) {
    ++got;
    if (f.is_v4()) {
      CHECK(f == v4.local_address());  // mapped sender normalized to IPv4
    } else {
      CHECK(f == v6->local_address());
    }
    dual.send(f, d);  // echo: IPv4 destinations are mapped for the IPv6 socket
  });
  int echoes = 0;
  auto count = [&](const gs::net::Address&, std::span<const std::uint8_t>) {
    if (++echoes == 2) io.stop();
  };
  v4.start(count);
  v6->start(count);
  auto dual_v4 = gs::net::Address::loopback_v4(dual.local_address().port());
  auto dual_v6 = gs::net::Address::loopback_v6(dual.local_address().port());
  v4.send(dual_v4, payload(1, 10));
  v6->send(dual_v6, payload(2, 10));
  io.run_for(5s);
  CHECK(got == 2);
  CHECK(echoes == 2);
}

TEST_CASE("oversized datagrams are dropped and counted") {
  asio::io_context io;
  gs::net::UdpOptions small;
  small.max_datagram = 100;
  gs::net::UdpEndpoint rx(io, gs::net::Address::loopback_v4(0), small);
  gs::net::UdpEndpoint tx(io, gs::net::Address::loopback_v4(0));
  int got = 0;
  rx.start([&](const gs::net::Address&, std::span<const std::uint8_t> d) {
    ++got;
    CHECK(d.size() == 100);
    io.stop();
  });
  tx.send(rx.local_address(), payload(1, 101));
  tx.send(rx.local_address(), payload(2, 100));
  io.run_for(5s);
  CHECK(got == 1);
  CHECK(rx.stats().oversized_dropped == 1);
  // Sending to an address the socket family cannot reach is refused, not thrown.
  CHECK_FALSE(tx.send(gs::net::Address::loopback_v6(1), payload(3, 10)));
  CHECK(tx.stats().send_errors == 1);
}

TEST_CASE("the send queue is bounded") {
  asio::io_context io;
  gs::net::UdpOptions o;
  o.send_queue_limit = 10;
  gs::net::UdpEndpoint tx(io, gs::net::Address::loopback_v4(0), o);
  const auto nowhere = gs::net::Address::loopback_v4(9);
  int accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += tx.send(nowhere, payload(1, 10)) ? 1 : 0;
  CHECK(accepted == 10);
  CHECK(tx.stats().send_queue_dropped == 10);
  io.run_for(100ms);
  CHECK(tx.queued() == 0);
}

TEST_CASE("an impaired endpoint loses, duplicates and delays what it sends, and sends the rest") {
  asio::io_context io;
  gs::net::UdpEndpoint receiver(io, gs::net::Address::loopback_v4(0));
  gs::net::UdpOptions o;
  o.impairment.loss = 0.3;
  o.impairment.duplicate = 0.2;
  o.impairment.latency = 20ms;
  o.impairment.jitter = 10ms;
  o.impairment_seed = 11;
  gs::net::UdpEndpoint sender(io, gs::net::Address::loopback_v4(0), o);
  REQUIRE(sender.impairment_stats() != nullptr);
  gs::net::UdpEndpoint plain(io, gs::net::Address::loopback_v4(0));
  CHECK(plain.impairment_stats() == nullptr);

  constexpr std::uint32_t n = 300;
  std::vector<int> copies(n, 0);
  std::size_t received = 0;
  receiver.start([&](const gs::net::Address&, std::span<const std::uint8_t> d) {
    std::uint32_t seq = 0;
    std::memcpy(&seq, d.data(), sizeof(seq));
    REQUIRE(seq < n);
    ++copies[seq];
    ++received;
  });
  for (std::uint32_t i = 0; i < n; ++i) CHECK(sender.send(receiver.local_address(), payload(i, 100)));
  // Nothing leaves before its delay: every copy is held.
  CHECK(sender.queued() == 0);

  const auto& s = *sender.impairment_stats();
  const std::uint64_t expected = s.sent - s.lost + s.duplicated;
  asio::steady_timer guard(io);
  guard.expires_after(5s);
  guard.async_wait([&](const asio::error_code&) { io.stop(); });
  while (received < expected && !io.stopped()) io.run_one();
  guard.cancel();

  CHECK(s.sent == n);
  CHECK(s.lost > 0);
  CHECK(s.duplicated > 0);
  CHECK(s.delivered == expected);
  CHECK(received == expected);
  std::uint64_t zero = 0, two = 0;
  for (int c : copies) {
    CHECK(c <= 2);
    zero += c == 0;
    two += c == 2;
  }
  CHECK(zero == s.lost);
  CHECK(two == s.duplicated);
}

TEST_CASE("closing an impaired endpoint discards what it holds") {
  asio::io_context io;
  gs::net::UdpOptions o;
  o.impairment.latency = 50ms;
  auto sender = std::make_unique<gs::net::UdpEndpoint>(io, gs::net::Address::loopback_v4(0), o);
  gs::net::UdpEndpoint receiver(io, gs::net::Address::loopback_v4(0));
  std::size_t received = 0;
  receiver.start([&](const gs::net::Address&, std::span<const std::uint8_t>) { ++received; });
  for (std::uint32_t i = 0; i < 10; ++i) sender->send(receiver.local_address(), payload(i, 50));
  sender->close();
  sender.reset();
  io.run_for(150ms);
  CHECK(received == 0);
}
