#pragma once
// Writes a config back out as YAML, through the same schema (config/schema.hpp)
// that reads it, so the printed effective config can never miss a key.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/knob.hpp"
#include "common/units.hpp"
#include "config/game_setting.hpp"

namespace gs::config {

class Printer {
 public:
  explicit Printer(YAML::Emitter& out) : out_(out) {}

  void string(std::string_view key, const std::string& value, std::size_t, std::size_t) { put(key, value); }
  void count(std::string_view key, const unsigned& value, unsigned, unsigned) { put(key, value); }
  void duration(std::string_view key, const std::chrono::microseconds& value, std::chrono::microseconds,
                std::chrono::microseconds) {
    put(key, format_duration(value));
  }
  void size(std::string_view key, const std::uint64_t& value, std::uint64_t, std::uint64_t) {
    put(key, format_size(value));
  }
  template <class T>
  void count(std::string_view key, const unsigned& value, const Knob<T>&) {
    put(key, value);
  }
  template <class T>
  void duration(std::string_view key, const std::chrono::microseconds& value, const Knob<T>&) {
    put(key, format_duration(value));
  }
  template <class T>
  void size(std::string_view key, const std::uint64_t& value, const Knob<T>&) {
    put(key, format_size(value));
  }
  void endpoint(std::string_view key, const Endpoint& value) { put(key, value.to_string()); }
  // One address prints as one, like the form most configs use.
  void endpoint_list(std::string_view key, const std::vector<Endpoint>& value, std::size_t, std::size_t) {
    if (value.size() == 1) return put(key, value.front().to_string());
    std::vector<std::string> items;
    for (const auto& e : value) items.push_back(e.to_string());
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << items;
  }
  void boolean(std::string_view key, const bool& value) { put(key, value); }
  void path(std::string_view key, const std::filesystem::path& value) { put(key, value.string()); }
  void optional_path(std::string_view key, const std::filesystem::path& value) { put(key, value.string()); }
  template <class E, std::size_t N>
  void choice(std::string_view key, const E& value,
              const std::array<std::pair<std::string_view, E>, N>& names) {
    for (const auto& [name, v] : names)
      if (v == value) put(key, std::string(name));
  }
  void string_list(std::string_view key, const std::vector<std::string>& value) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << value;
  }
  void name_list(std::string_view key, const std::vector<std::string>& value, std::size_t, std::size_t,
                 std::size_t) {
    if (value.size() == 1) return put(key, value.front());
    string_list(key, value);
  }
  void game_settings(std::string_view key, const std::vector<GameSetting>& value) {
    // Flattened keys as nested maps again: "spawn.x" under spawn, list items as maps
    // numbered "0", "1" (the module sees the same keys either way).
    if (value.empty()) return;
    YAML::Node map(YAML::NodeType::Map);
    for (const auto& s : value) {
      std::vector<YAML::Node> path{map};
      std::string rest = s.key;
      for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
        path.push_back(path.back()[rest.substr(0, dot)]);
        rest = rest.substr(dot + 1);
      }
      path.back()[rest] = s.value;
    }
    out_ << YAML::Key << std::string(key) << YAML::Value << map;
  }
  void path_list(std::string_view key, const std::vector<std::filesystem::path>& value) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginSeq;
    for (const auto& p : value) out_ << p.string();
    out_ << YAML::EndSeq;
  }
  template <class T, class Write>
  void objects(std::string_view key, const std::vector<T>& value, Write write) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginSeq;
    for (const auto& item : value) {
      out_ << YAML::BeginMap;
      write(*this, item);
      out_ << YAML::EndMap;
    }
    out_ << YAML::EndSeq;
  }
  template <class Write>
  void section(std::string_view key, Write write) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginMap;
    write(*this);
    out_ << YAML::EndMap;
  }

 private:
  template <class T>
  void put(std::string_view key, const T& value) {
    out_ << YAML::Key << std::string(key) << YAML::Value << value;
  }

  YAML::Emitter& out_;
};

}  // namespace gs::config
