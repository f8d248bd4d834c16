#include "net/source.hpp"

#include <doctest/doctest.h>

namespace {

gs::net::Source of(const char* host_port) {
  auto address = gs::net::Address::parse(host_port);
  REQUIRE(address);
  return gs::net::source_of(*address);
}

}  // namespace

TEST_CASE("one source per IPv4 host whatever the port, and per IPv6 /64") {
  CHECK(of("192.0.2.7:1000") == of("192.0.2.7:2000"));
  CHECK_FALSE(of("192.0.2.7:1000") == of("192.0.2.8:1000"));
  CHECK(of("[2001:db8:1:2::1]:1000") == of("[2001:db8:1:2:ffff::9]:2000"));
  CHECK_FALSE(of("[2001:db8:1:2::1]:1000") == of("[2001:db8:1:3::1]:1000"));
}

TEST_CASE("an IPv4 client of a dual-stack listener is its own IPv4 source, not one shared /64") {
  // Every IPv4 address maps into ::ffff:0:0/96, so as IPv6 /64s they would all be one
  // source; net::Address turns a mapped address into IPv4 when it is made.
  CHECK_FALSE(of("[::ffff:192.0.2.7]:1000") == of("[::ffff:198.51.100.9]:1000"));
  CHECK(of("[::ffff:192.0.2.7]:1000") == of("192.0.2.7:5000"));
}
