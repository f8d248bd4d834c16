#include <doctest/doctest.h>

#include "common/units.hpp"

using namespace std::chrono_literals;
using gs::Endpoint;

TEST_CASE("durations parse with their unit") {
  CHECK(gs::parse_duration("500ms") == 500ms);
  CHECK(gs::parse_duration("30s") == 30s);
  CHECK(gs::parse_duration("2m") == 2min);
  CHECK(gs::parse_duration("1h") == 1h);
  CHECK(gs::parse_duration("250us") == 250us);
  CHECK(gs::parse_duration("0") == 0us);
}

TEST_CASE("durations without a unit, with junk or overflowing are refused") {
  for (const char* bad :
       {"30", "", "s", "-1s", "1.5s", "10 s", "3d", "1ss", "99999999999999999999h", "9999999999999999h"}) {
    CAPTURE(bad);
    CHECK_FALSE(gs::parse_duration(bad).has_value());
  }
}

TEST_CASE("sizes parse with binary units") {
  CHECK(gs::parse_size("1200") == 1200u);
  CHECK(gs::parse_size("512B") == 512u);
  CHECK(gs::parse_size("64KiB") == 64u * 1024);
  CHECK(gs::parse_size("1MiB") == 1u << 20);
  CHECK(gs::parse_size("2GiB") == 2ULL << 30);
}

TEST_CASE("sizes with decimal units or junk are refused") {
  for (const char* bad : {"", "KiB", "1KB", "1MB", "1.5MiB", "-1", "1 KiB", "18446744073709551615GiB"}) {
    CAPTURE(bad);
    CHECK_FALSE(gs::parse_size(bad).has_value());
  }
}

TEST_CASE("endpoints parse IPv4, names and bracketed IPv6") {
  CHECK(gs::parse_endpoint("127.0.0.1:7000") == Endpoint{"127.0.0.1", 7000});
  CHECK(gs::parse_endpoint("localhost:0") == Endpoint{"localhost", 0});
  CHECK(gs::parse_endpoint("[::1]:7000") == Endpoint{"::1", 7000});
  CHECK(gs::parse_endpoint("[fe80::1%eth0]:65535") == Endpoint{"fe80::1%eth0", 65535});
}

TEST_CASE("endpoints without a port, with a bad port or an unbracketed IPv6 are refused") {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", ":7000", "::1:7000", "[::1]7000", "[::1]:", "[127.0.0.1]:7000",
        "host:65536", "host:-1", "host:70x", "ho st:7000", "[::1:7000"}) {
    CAPTURE(bad);
    CHECK_FALSE(gs::parse_endpoint(bad).has_value());
  }
}

TEST_CASE("printed values parse back to themselves") {
  for (auto d : {0us, 250us, 1500us, 500000us, 30000000us, 120000000us, 3600000000us}) {
    CAPTURE(d.count());
    CHECK(gs::parse_duration(gs::format_duration(d)) == d);
  }
  CHECK(gs::format_duration(30s) == "30s");
  CHECK(gs::format_duration(1500ms) == "1500ms");
  for (std::uint64_t s : {0ULL, 1ULL, 1000ULL, 1024ULL, 65536ULL, 1ULL << 20, 3ULL << 30}) {
    CAPTURE(s);
    CHECK(gs::parse_size(gs::format_size(s)) == s);
  }
  CHECK(gs::format_size(1 << 20) == "1MiB");
  CHECK(Endpoint{"::1", 7000}.to_string() == "[::1]:7000");
  CHECK(gs::parse_endpoint(Endpoint{"::1", 7000}.to_string()) == Endpoint{"::1", 7000});
}
