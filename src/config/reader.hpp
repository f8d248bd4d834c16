#pragma once
// Reads one YAML mapping into typed values, remembering which keys it was asked
// about so that finish() can refuse the ones nobody asked about (a typo in a key
// must never be silently ignored). Every refusal is a ConfigError pointing at the
// offending line and column.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ratio>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/knob.hpp"
#include "common/units.hpp"
#include "config/error.hpp"
#include "config/game_setting.hpp"

namespace gs::config {

class Reader {
 public:
  // `node` must be a map (or null/absent, read as an empty map). `path` is the dotted
  // key path of this map ("" at the top). `base` resolves relative file paths.
  Reader(const YAML::Node& node, std::string file, std::string path, std::filesystem::path base);

  bool has(std::string_view key) const;
  // Refuses a missing key whose absence has no sensible default.
  void require(std::string_view key, std::string_view expected) const;

  void string(std::string_view key, std::string& out, std::size_t min_len, std::size_t max_len);
  void count(std::string_view key, unsigned& out, unsigned min, unsigned max);
  // A duration from `min` to `max` in whole multiples of `step`.
  void duration(std::string_view key, std::chrono::microseconds& out, std::chrono::microseconds min,
                std::chrono::microseconds max, std::chrono::microseconds step = std::chrono::microseconds(1));
  void size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  // The same with the range of a layer's Knob (common/knob.hpp), declared there once.
  template <class T>
  void count(std::string_view key, unsigned& out, const Knob<T>& knob) {
    count(key, out, static_cast<unsigned>(knob.min), static_cast<unsigned>(knob.max));
  }
  template <class T>
  void size(std::string_view key, std::uint64_t& out, const Knob<T>& knob) {
    size(key, out, knob.min, knob.max);
  }
  // Knobs counted in whole seconds take whole seconds only; finer knobs take any
  // duration, as the layers keep nanoseconds.
  template <class Rep, class Period>
  void duration(std::string_view key, std::chrono::microseconds& out,
                const Knob<std::chrono::duration<Rep, Period>>& knob) {
    using std::chrono::microseconds;
    constexpr bool whole_units = std::ratio_greater_equal_v<Period, std::ratio<1>>;
    auto step = whole_units ? std::chrono::duration_cast<microseconds>(std::chrono::duration<Rep, Period>(1))
                            : microseconds(1);
    duration(key, out, std::chrono::duration_cast<microseconds>(knob.min),
             std::chrono::duration_cast<microseconds>(knob.max), step);
  }
  void endpoint(std::string_view key, Endpoint& out);
  // One address, or a list of `min`..`max` different addresses.
  void endpoint_list(std::string_view key, std::vector<Endpoint>& out, std::size_t min, std::size_t max);
  void boolean(std::string_view key, bool& out);
  // A file path; relative paths are taken relative to the config file's folder.
  void path(std::string_view key, std::filesystem::path& out);
  // A file path that may be left out or empty (out stays empty: "none").
  void optional_path(std::string_view key, std::filesystem::path& out);
  // One of a fixed set of names, each standing for a value.
  template <class E, std::size_t N>
  void choice(std::string_view key, E& out, const std::array<std::pair<std::string_view, E>, N>& names) {
    std::string expected = "one of:";
    for (const auto& [name, value] : names) expected += fmt::format(" {}", name);
    auto value = scalar(key, expected);
    if (!value) return;
    for (const auto& [name, v] : names) {
      if (name == value->Scalar()) {
        out = v;
        return;
      }
    }
    fail(*value, key, fmt::format("expected {}, found '{}'", expected, value->Scalar()));
  }
  void string_list(std::string_view key, std::vector<std::string>& out);
  // One name or a list of `min`..`max` different names, each 1..`max_len` characters.
  void name_list(std::string_view key, std::vector<std::string>& out, std::size_t min, std::size_t max,
                 std::size_t max_len);
  void path_list(std::string_view key, std::vector<std::filesystem::path>& out);
  // A map handed to a game module as flattened key/value text (config/game_settings.hpp).
  void game_settings(std::string_view key, std::vector<GameSetting>& out);

  // A list of maps, each read by `read(Reader&, T&)` into a fresh T.
  template <class T, class Read>
  void objects(std::string_view key, std::vector<T>& out, Read read) {
    asked_.emplace(key);
    if (!has(key)) {
      // Default items still get their relative paths resolved, like written ones.
      for (auto& item : out) {
        Reader empty(YAML::Node(), file_, key_path(key), base_);
        read(empty, item);
      }
      return;
    }
    YAML::Node list = lookup(key);
    if (!list.IsSequence()) fail(list, key, fmt::format("expected a list of maps, found {}", describe(list)));
    std::vector<T> items;
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node item = list[i];
      if (!item.IsMap()) fail(item, key, fmt::format("expected a map, found {}", describe(item)));
      Reader child(item, file_, fmt::format("{}[{}]", key_path(key), i), base_);
      T value{};
      read(child, value);
      child.finish();
      items.push_back(std::move(value));
    }
    out = std::move(items);
  }

  // A nested map; absent reads as empty so its defaults apply. `read(Reader&)`
  // reads its keys; unknown keys in it are refused afterwards.
  template <class Read>
  void section(std::string_view key, Read read) {
    Reader child = section(key);
    read(child);
    child.finish();
  }
  Reader section(std::string_view key);

  // Refuses keys that no call above asked about.
  void finish() const;

  [[noreturn]] void fail(const YAML::Node& at, std::string_view key, const std::string& problem) const;

 private:
  std::optional<YAML::Node> scalar(std::string_view key, std::string_view expected);
  std::string key_path(std::string_view key) const;
  YAML::Node lookup(std::string_view key) const;
  static std::string describe(const YAML::Node& node);

  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::filesystem::path base_;
  std::set<std::string, std::less<>> asked_;
};

}  // namespace gs::config
