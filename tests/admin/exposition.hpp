#pragma once
// A strict reader of the Prometheus text exposition format (0.0.4), for tests:
// every line must be a HELP, TYPE or sample line of the expected shape, families
// must be contiguous with HELP and TYPE before their samples, no series may repeat.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace gs::test {

struct Exposition {
  std::map<std::string, std::string> types;  // family name -> counter, gauge, ...
  std::map<std::string, std::string> help;
  std::map<std::string, double> samples;  // canonical series key (see key()) -> value
};

// `{"a","1"},{"b","2"}` sorted by name: name{a="1",b="2"}.
std::string key(const std::string& name, std::map<std::string, std::string> labels = {});

// The parsed text, or the first error as "line N: what".
struct ParseResult {
  std::optional<Exposition> exposition;
  std::string error;
};
ParseResult parse_exposition(const std::string& text);

// The admin endpoint's /metrics on 127.0.0.1:`admin_port`, parsed; nullopt if it does
// not answer within `timeout` (or does not parse).
std::optional<Exposition> scrape(std::uint16_t admin_port, std::chrono::milliseconds timeout);

}  // namespace gs::test
