// The docs' tables of settings, held to their declarations: README.md's config
// reference to the config schema (which reads most settings through a layer's Knob),
// and every `| knob | default | min | max | unit |` table of docs/PROTOCOL.md to the
// channel, DTLS and session knobs. A row whose default or range disagrees fails here,
// and so does a setting without a row or a row without a setting.
#include <doctest/doctest.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "channel/config.hpp"
#include "common/knob.hpp"
#include "common/units.hpp"
#include "config/config.hpp"
#include "config/schema.hpp"
#include "dtls/knobs.hpp"
#include "session/knobs.hpp"

namespace {

// The docs are found through the source root meson passes in, never the working folder.
std::string read_doc(std::string_view relative) {
  auto path = std::filesystem::path(GS_SOURCE_ROOT) / relative;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

std::string strip_backticks(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '`') out += c;
  return trim(out);
}

// The cells of a Markdown table row "| a | b |"; empty for any other line. Cells hold
// no escaped pipes in the columns read here (only in later "meaning" columns).
std::vector<std::string> cells(std::string_view line) {
  if (line.empty() || line.front() != '|') return {};
  std::vector<std::string> out;
  std::size_t start = 1;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|' && line[i - 1] != '\\') {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

// The data rows of every table whose header row is exactly `header`.
std::vector<std::vector<std::string>> tables(const std::string& doc, const std::vector<std::string>& header) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(doc);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    auto row = cells(line);
    if (row.empty()) {
      inside = false;
    } else if (std::vector<std::string>(row.begin(), row.begin() + std::min(row.size(), header.size())) ==
               header) {
      inside = true;
    } else if (inside && row[0].find_first_not_of("-: ") != std::string::npos) {
      rows.push_back(row);
    }
  }
  return rows;
}

// --- README.md: the config reference ---

// A numeric setting as the schema reads it: its kind (the README's type column), its
// default in a default Config, and its range. Durations in microseconds.
struct Setting {
  std::string kind;
  std::uint64_t def = 0;
  std::uint64_t min = 0;
  std::uint64_t max = 0;
};

// Walks the schema (config/schema.hpp) like Reader and Printer do, recording every
// count, size and duration with its dotted key.
class Collector {
 public:
  Collector(std::map<std::string, Setting>& out, std::string prefix)
      : out_(out), prefix_(std::move(prefix)) {}

  void count(std::string_view key, const unsigned& value, unsigned min, unsigned max) {
    record(key, {"count", value, min, max});
  }
  void size(std::string_view key, const std::uint64_t& value, std::uint64_t min, std::uint64_t max) {
    record(key, {"size", value, min, max});
  }
  void duration(std::string_view key, const std::chrono::microseconds& value, std::chrono::microseconds min,
                std::chrono::microseconds max) {
    record(key, {"duration", us(value), us(min), us(max)});
  }
  template <class T>
  void count(std::string_view key, const unsigned& value, const gs::Knob<T>& knob) {
    count(key, value, static_cast<unsigned>(knob.min), static_cast<unsigned>(knob.max));
  }
  template <class T>
  void size(std::string_view key, const std::uint64_t& value, const gs::Knob<T>& knob) {
    CHECK_MESSAGE(knob.unit.substr(0, 5) == "bytes", key);
    size(key, value, knob.min, knob.max);
  }
  template <class T>
  void duration(std::string_view key, const std::chrono::microseconds& value, const gs::Knob<T>& knob) {
    duration(key, value, knob.min, knob.max);
  }

  void string(std::string_view, const std::string&, std::size_t, std::size_t) {}
  void endpoint(std::string_view, const gs::Endpoint&) {}
  void endpoint_list(std::string_view, const std::vector<gs::Endpoint>&, std::size_t, std::size_t) {}
  void boolean(std::string_view, const bool&) {}
  void path(std::string_view, const std::filesystem::path&) {}
  void optional_path(std::string_view, const std::filesystem::path&) {}
  template <class E, std::size_t N>
  void choice(std::string_view, const E&, const std::array<std::pair<std::string_view, E>, N>&) {}
  void string_list(std::string_view, const std::vector<std::string>&) {}
  void name_list(std::string_view, const std::vector<std::string>&, std::size_t, std::size_t, std::size_t) {}
  void path_list(std::string_view, const std::vector<std::filesystem::path>&) {}
  void game_settings(std::string_view, const std::vector<gs::config::GameSetting>&) {}
  template <class T, class Visit>
  void objects(std::string_view key, const std::vector<T>& items, Visit visit) {
    // Each item's settings are recorded once, under "key[]", from a default item.
    Collector child(out_, prefix_ + std::string(key) + "[].");
    T item{};
    if (!items.empty()) visit(child, item);
  }
  template <class Visit>
  void section(std::string_view key, Visit visit) {
    Collector child(out_, prefix_ + std::string(key) + ".");
    visit(child);
  }

 private:
  static std::uint64_t us(std::chrono::microseconds d) { return static_cast<std::uint64_t>(d.count()); }
  void record(std::string_view key, Setting setting) { out_[prefix_ + std::string(key)] = setting; }

  std::map<std::string, Setting>& out_;
  std::string prefix_;
};

std::map<std::string, Setting> schema_settings() {
  std::map<std::string, Setting> out;
  const gs::config::Config defaults;
  Collector collector(out, "");
  gs::config::visit_config(collector, defaults);
  return out;
}

// A README value of `kind`: "1200", "64MiB", "500ms", "16".
std::optional<std::uint64_t> parse_value(const std::string& kind, const std::string& text) {
  if (kind == "size") return gs::parse_size(text);
  if (kind == "duration") {
    auto d = gs::parse_duration(text);
    if (!d) return std::nullopt;
    return static_cast<std::uint64_t>(d->count());
  }
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(text);
}

// --- docs/PROTOCOL.md: the knob tables ---

// A knob in its own unit: milliseconds for a Knob<milliseconds>, seconds for seconds.
struct Declared {
  std::string name;
  std::uint64_t def;
  std::uint64_t min;
  std::uint64_t max;
  std::string unit;
};

template <class T>
std::uint64_t number(T value) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<std::uint64_t>(value);
  else
    return static_cast<std::uint64_t>(value.count());
}

std::vector<Declared> declared_knobs() {
  std::vector<Declared> out;
  auto add = [&](const auto& k) {
    out.push_back({std::string(k.name), number(k.def), number(k.min), number(k.max), std::string(k.unit)});
  };
  gs::channel::knobs::for_each(add);
  add(gs::channel::knobs::lane_priority);
  add(gs::channel::knobs::lane_weight);
  gs::dtls::knobs::for_each(add);
  gs::session::knobs::for_each(add);
  return out;
}

// "1048576", "0 (unlimited)", "4: reliable ordered, ...", "2^30", "10^10".
std::optional<std::uint64_t> parse_protocol_number(const std::string& cell) {
  std::size_t end = cell.find_first_not_of("0123456789^");
  std::string token = cell.substr(0, end);
  if (token.empty() || token.front() == '^') return std::nullopt;
  auto caret = token.find('^');
  if (caret == std::string::npos) return std::stoull(token);
  std::uint64_t base = std::stoull(token.substr(0, caret));
  std::uint64_t exponent = std::stoull(token.substr(caret + 1));
  std::uint64_t value = 1;
  for (std::uint64_t i = 0; i < exponent; ++i) value *= base;
  return value;
}

// The unit cell starts with the knob's unit as a word: "ms (below timeout)", "s; ...".
bool unit_matches(const std::string& cell, const std::string& unit) {
  if (unit.empty()) return true;
  if (cell.compare(0, unit.size(), unit) != 0) return false;
  return cell.size() == unit.size() || !std::isalnum(static_cast<unsigned char>(cell[unit.size()]));
}

}  // namespace

TEST_CASE("the README's config reference agrees with the schema and the knobs it reads") {
  auto settings = schema_settings();
  REQUIRE(settings.size() > 40);
  auto rows = tables(read_doc("README.md"), {"key", "type", "default", "range", "meaning"});
  REQUIRE(rows.size() > 40);
  std::map<std::string, int> documented;
  for (const auto& row : rows) {
    REQUIRE(row.size() >= 4);
    const std::string key = strip_backticks(row[0]);
    const std::string& type = row[1];
    if (type != "count" && type != "size" && type != "duration") continue;
    ++documented[key];
    auto found = settings.find(key);
    if (found == settings.end()) {
      FAIL_CHECK("README.md documents " << key << ", which the schema does not read as a " << type);
      continue;
    }
    const Setting& s = found->second;
    INFO("README.md row " << key << ": " << row[2] << " | " << row[3]);
    CHECK(type == s.kind);
    CHECK(parse_value(s.kind, strip_backticks(row[2])) == std::optional<std::uint64_t>(s.def));
    auto range = strip_backticks(row[3]);
    auto dots = range.find("..");
    REQUIRE(dots != std::string::npos);
    CHECK(parse_value(s.kind, range.substr(0, dots)) == std::optional<std::uint64_t>(s.min));
    CHECK(parse_value(s.kind, range.substr(dots + 2)) == std::optional<std::uint64_t>(s.max));
  }
  for (const auto& [key, s] : settings) {
    INFO("schema key " << key);
    CHECK(documented[key] == 1);
  }
}

TEST_CASE("docs/PROTOCOL.md's knob tables agree with the channel, DTLS and session knobs") {
  auto knobs = declared_knobs();
  auto rows = tables(read_doc("docs/PROTOCOL.md"), {"knob", "default", "min", "max", "unit"});
  REQUIRE(rows.size() >= knobs.size());
  std::map<std::string, int> documented;
  for (const auto& row : rows) {
    REQUIRE(row.size() == 5);
    INFO("docs/PROTOCOL.md row " << row[0] << " | " << row[1] << " | " << row[2] << " | " << row[3] << " | "
                                 << row[4]);
    if (row[0] == "lanes") {  // not a knob: a count from 1 to the protocol's limit
      CHECK(parse_protocol_number(row[1]) == gs::channel::ChannelConfig{}.lanes.size());
      CHECK(parse_protocol_number(row[2]) == 1u);
      CHECK(parse_protocol_number(row[3]) == gs::channel::kMaxLanes);
      continue;
    }
    const Declared* knob = nullptr;
    for (const auto& k : knobs)
      if (row[0] == k.name || row[0] == "lane " + k.name) knob = &k;
    if (!knob) {
      FAIL_CHECK("no knob is named " << row[0]);
      continue;
    }
    ++documented[knob->name];
    CHECK(parse_protocol_number(row[1]) == knob->def);
    CHECK(parse_protocol_number(row[2]) == knob->min);
    CHECK(parse_protocol_number(row[3]) == knob->max);
    CHECK_MESSAGE(unit_matches(row[4], knob->unit), "unit " << knob->unit);
  }
  for (const auto& k : knobs) {
    INFO("knob " << k.name);
    CHECK(documented[k.name] == 1);
  }
}

TEST_CASE("the table parsers read the docs' spellings") {
  CHECK(cells("| `a` | b \\| c | d |") == std::vector<std::string>{"`a`", "b \\| c", "d"});
  CHECK(parse_protocol_number("0 (unlimited)") == 0u);
  CHECK(parse_protocol_number("2^30") == 1u << 30);
  CHECK(parse_protocol_number("10^10") == 10'000'000'000u);
  CHECK(parse_protocol_number("4: reliable ordered") == 4u);
  CHECK(unit_matches("ms (below timeout)", "ms"));
  CHECK(unit_matches("s; first handshake retransmission", "s"));
  CHECK_FALSE(unit_matches("sessions", "s"));
  CHECK(parse_value("size", "64MiB") == 64u << 20);
  CHECK(parse_value("duration", "10m") == 600'000'000u);
}
