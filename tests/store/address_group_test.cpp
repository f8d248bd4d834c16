#include <doctest/doctest.h>

#include <string>

#include "store/address_group.hpp"

using gs::store::address_group;
using gs::store::AddressPrefixes;

namespace {
std::string group(std::string_view address, AddressPrefixes prefixes = {}) {
  return address_group(address, prefixes).value_or("(none)");
}
}  // namespace

TEST_CASE("an IPv4 host is one group whatever its port") {
  CHECK(group("192.0.2.7") == "v4:192.0.2.7/32");
  CHECK(group("192.0.2.7:5555") == "v4:192.0.2.7/32");
  CHECK(group("192.0.2.7:6666") == group("192.0.2.7"));
  CHECK(group("192.0.2.8") != group("192.0.2.7"));
}

TEST_CASE("two IPv6 addresses in one /64 share a group, in different /64s they do not") {
  CHECK(group("2001:db8:1:2::1") == "v6:2001:db8:1:2::/64");
  CHECK(group("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == group("2001:db8:1:2::1"));
  CHECK(group("[2001:db8:1:2::99]:7000") == group("2001:db8:1:2::1"));
  CHECK(group("[2001:db8:1:2::5]") == group("2001:db8:1:2::1"));
  CHECK(group("2001:db8:1:3::1") != group("2001:db8:1:2::1"));
}

TEST_CASE("the prefix lengths are configurable") {
  CHECK(group("192.0.2.200", {24, 64}) == "v4:192.0.2.0/24");
  CHECK(group("192.0.2.200", {24, 64}) == group("192.0.2.1:9", {24, 64}));
  CHECK(group("192.0.2.200", {8, 64}) == "v4:192.0.0.0/8");
  CHECK(group("192.0.2.200", {31, 64}) == "v4:192.0.2.200/31");
  CHECK(group("192.0.2.201", {31, 64}) == "v4:192.0.2.200/31");
  CHECK(group("2001:db8:1:2::1", {32, 48}) == "v6:2001:db8:1::/48");
  CHECK(group("2001:db8:1:2::1", {32, 128}) == "v6:2001:db8:1:2::1/128");
  CHECK(group("2001:db8:1:2::1", {32, 57}) == "v6:2001:db8:1::/57");
  CHECK(group("2001:db8:1:ff::1", {32, 57}) == "v6:2001:db8:1:80::/57");
}

TEST_CASE("an IPv4-mapped IPv6 address is its IPv4 host") {
  CHECK(group("::ffff:192.0.2.7") == "v4:192.0.2.7/32");
  CHECK(group("[::ffff:192.0.2.7]:80") == "v4:192.0.2.7/32");
}

TEST_CASE("text that is no IP address has no group") {
  for (std::string_view bad :
       {"", "localhost", "example.com:80", "192.0.2.7:", "192.0.2.7:65536", "192.0.2.7:80:80", "192.0.2.256",
        "[2001:db8::1", "[2001:db8::1]:", "[2001:db8::1]x", "2001:db8::1%eth0", "1.2.3.4 ", " 1.2.3.4", "[]",
        "::g", "192.0.2.7:-1", "192.0.2.7:0x50"})
    CHECK_MESSAGE(!address_group(bad, {}), bad);
  CHECK_FALSE(address_group(std::string_view("1.2.3.4\0junk", 12), {}));
  CHECK_FALSE(address_group(std::string(200, '1'), {}));
}
