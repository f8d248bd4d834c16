#include "common/units.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace gs {
namespace {

// Splits "123abc" into the number 123 and the suffix "abc". Refuses a missing
// number, signs and overflow.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& suffix) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{}) return false;
  suffix = text.substr(static_cast<std::size_t>(end - text.data()));
  return true;
}

bool multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) return false;
  out = a * b;
  return true;
}

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

constexpr std::array<Unit, 5> duration_units{
    {{"h", 3'600'000'000ULL}, {"m", 60'000'000ULL}, {"s", 1'000'000ULL}, {"ms", 1'000ULL}, {"us", 1ULL}}};

constexpr std::array<Unit, 4> size_units{
    {{"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}, {"B", 1ULL}}};

}  // namespace

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<std::chrono::microseconds> parse_duration(std::string_view text) {
  std::uint64_t number = 0;
  std::string_view suffix;
  if (!split_number(text, number, suffix)) return std::nullopt;
  if (suffix.empty()) {
    if (number != 0) return std::nullopt;  // "30" is ambiguous: seconds or milliseconds?
    return std::chrono::microseconds{0};
  }
  for (const Unit& unit : duration_units) {
    if (suffix != unit.suffix) continue;
    std::uint64_t us = 0;
    if (!multiply(number, unit.factor, us) ||
        us > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return std::chrono::microseconds{static_cast<std::int64_t>(us)};
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t number = 0;
  std::string_view suffix;
  if (!split_number(text, number, suffix)) return std::nullopt;
  if (suffix.empty()) return number;
  for (const Unit& unit : size_units) {
    if (suffix != unit.suffix) continue;
    std::uint64_t bytes = 0;
    if (!multiply(number, unit.factor, bytes)) return std::nullopt;
    return bytes;
  }
  return std::nullopt;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    result.host = std::string(text.substr(1, close - 1));
    if (result.host.find(':') == std::string::npos) return std::nullopt;
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    result.host = std::string(text.substr(0, colon));
    if (result.host.find(':') != std::string::npos) return std::nullopt;
    port_text = text.substr(colon + 1);
  }
  if (result.host.empty() || port_text.empty()) return std::nullopt;
  for (char c : result.host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == ':' || c == '%' || c == '_';
    if (!ok) return std::nullopt;
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) return std::nullopt;
  result.port = static_cast<std::uint16_t>(port);
  return result;
}

std::string format_duration(std::chrono::microseconds d) {
  auto us = static_cast<std::uint64_t>(d.count());
  if (us == 0) return "0s";
  for (const Unit& unit : duration_units) {
    if (us % unit.factor == 0) return std::to_string(us / unit.factor) + std::string(unit.suffix);
  }
  return std::to_string(us) + "us";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  for (const Unit& unit : size_units) {
    if (bytes % unit.factor == 0) return std::to_string(bytes / unit.factor) + std::string(unit.suffix);
  }
  return std::to_string(bytes) + "B";
}

}  // namespace gs
