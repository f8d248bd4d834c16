#pragma once
// Parsing and printing of the value types that appear in config files and on the
// command line: durations with units, byte sizes with units, and network endpoints.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gs {

// A host and port as written by the user: "127.0.0.1:7000", "[::1]:7000",
// "localhost:7000". The host is kept as text; resolution happens when binding.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;

  // Brackets an IPv6 literal so that the result parses back: "[::1]:7000".
  std::string to_string() const;
  bool operator==(const Endpoint&) const = default;
};

// "500ms", "30s", "2m", "1h", "250us"; a bare "0" means zero. No fractions, no
// negative values; at most one unit per value.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

// "1200", "64KiB", "1MiB", "2GiB", "512B". Binary units only, so that "1MiB" is
// unambiguous; decimal "KB"/"MB" are refused with the rest of the junk.
std::optional<std::uint64_t> parse_size(std::string_view text);

// "host:port" or "[v6-literal]:port"; port 0..65535. An IPv6 literal without
// brackets ("::1:7000") is refused because its port cannot be told apart.
std::optional<Endpoint> parse_endpoint(std::string_view text);

// Shortest exact spelling with the largest unit: 30000000us -> "30s", 1500ms -> "1500ms".
std::string format_duration(std::chrono::microseconds d);
// Largest binary unit that divides exactly: 1048576 -> "1MiB", 1000 -> "1000B".
std::string format_size(std::uint64_t bytes);

}  // namespace gs
