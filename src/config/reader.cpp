#include "config/reader.hpp"

#include "config/game_settings.hpp"

#include <fmt/format.h>

namespace gs::config {

Reader::Reader(const YAML::Node& node, std::string file, std::string path, std::filesystem::path base)
    : node_(node), file_(std::move(file)), path_(std::move(path)), base_(std::move(base)) {
  if (node_ && !node_.IsNull() && !node_.IsMap())
    fail(node_, "", fmt::format("expected a map of keys, found {}", describe(node_)));
}

std::string Reader::key_path(std::string_view key) const {
  if (path_.empty()) return key.empty() ? "(file)" : std::string(key);
  if (key.empty()) return path_;
  return fmt::format("{}.{}", path_, key);
}

std::string Reader::describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
    default: return "an undefined value";
  }
}

void Reader::fail(const YAML::Node& at, std::string_view key, const std::string& problem) const {
  // yaml-cpp counts lines and columns from 0; editors count from 1.
  YAML::Mark mark = at.IsDefined() ? at.Mark() : node_.Mark();
  if (mark.is_null()) mark = YAML::Mark{};
  throw ConfigError(file_, mark.line + 1, mark.column + 1, key_path(key), problem);
}

// Through a const node: yaml-cpp's non-const operator[] inserts missing keys.
YAML::Node Reader::lookup(std::string_view key) const {
  const YAML::Node& node = node_;
  return node[std::string(key)];
}

bool Reader::has(std::string_view key) const { return node_ && node_.IsMap() && lookup(key).IsDefined(); }

void Reader::require(std::string_view key, std::string_view expected) const {
  if (!has(key)) fail(node_, key, fmt::format("required key is missing: expected {}", expected));
}

std::optional<YAML::Node> Reader::scalar(std::string_view key, std::string_view expected) {
  asked_.emplace(key);
  if (!has(key)) return std::nullopt;
  YAML::Node value = lookup(key);
  if (!value.IsScalar()) fail(value, key, fmt::format("expected {}, found {}", expected, describe(value)));
  return value;
}

void Reader::string(std::string_view key, std::string& out, std::size_t min_len, std::size_t max_len) {
  auto expected = fmt::format("a string of {} to {} characters", min_len, max_len);
  auto value = scalar(key, expected);
  if (!value) return;
  const std::string& text = value->Scalar();
  if (text.size() < min_len || text.size() > max_len)
    fail(*value, key, fmt::format("expected {}, found {} characters", expected, text.size()));
  out = text;
}

void Reader::count(std::string_view key, unsigned& out, unsigned min, unsigned max) {
  auto expected = fmt::format("a whole number from {} to {}", min, max);
  auto value = scalar(key, expected);
  if (!value) return;
  const std::string& text = value->Scalar();
  unsigned long long number = 0;
  std::size_t used = 0;
  bool parsed = !text.empty() && text[0] >= '0' && text[0] <= '9';
  if (parsed) {
    try {
      number = std::stoull(text, &used);
    } catch (const std::exception&) {
      parsed = false;
    }
  }
  if (!parsed || used != text.size())
    fail(*value, key, fmt::format("expected {}, found '{}'", expected, text));
  if (number < min || number > max) fail(*value, key, fmt::format("expected {}, found {}", expected, text));
  out = static_cast<unsigned>(number);
}

void Reader::duration(std::string_view key, std::chrono::microseconds& out, std::chrono::microseconds min,
                      std::chrono::microseconds max, std::chrono::microseconds step) {
  auto steps =
      step > std::chrono::microseconds(1) ? fmt::format(" in steps of {}", format_duration(step)) : "";
  auto expected = fmt::format("a duration from {} to {}{} such as 500ms, 30s or 2m", format_duration(min),
                              format_duration(max), steps);
  auto value = scalar(key, expected);
  if (!value) return;
  auto parsed = parse_duration(value->Scalar());
  if (!parsed || *parsed < min || *parsed > max || *parsed % step != std::chrono::microseconds(0))
    fail(*value, key, fmt::format("expected {}, found '{}'", expected, value->Scalar()));
  out = *parsed;
}

void Reader::size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
  auto expected =
      fmt::format("a size from {} to {} such as 1200, 64KiB or 1MiB", format_size(min), format_size(max));
  auto value = scalar(key, expected);
  if (!value) return;
  auto parsed = parse_size(value->Scalar());
  if (!parsed || *parsed < min || *parsed > max)
    fail(*value, key, fmt::format("expected {}, found '{}'", expected, value->Scalar()));
  out = *parsed;
}

void Reader::endpoint(std::string_view key, Endpoint& out) {
  constexpr std::string_view expected = "an address such as 127.0.0.1:7000 or [::1]:7000";
  auto value = scalar(key, expected);
  if (!value) return;
  auto parsed = parse_endpoint(value->Scalar());
  if (!parsed) fail(*value, key, fmt::format("expected {}, found '{}'", expected, value->Scalar()));
  out = *parsed;
}

void Reader::endpoint_list(std::string_view key, std::vector<Endpoint>& out, std::size_t min,
                           std::size_t max) {
  asked_.emplace(key);
  if (!has(key)) return;
  YAML::Node value = lookup(key);
  if (value.IsScalar()) {
    Endpoint one;
    endpoint(key, one);
    out = {one};
    return;
  }
  auto expected = fmt::format(
      "an address or a list of {} to {} addresses such as [127.0.0.1:7100, 127.0.0.1:7101]", min, max);
  if (!value.IsSequence() || value.size() < min || value.size() > max)
    fail(value, key, fmt::format("expected {}, found {}", expected, describe(value)));
  std::vector<Endpoint> items;
  for (const auto& item : value) {
    auto parsed = item.IsScalar() ? parse_endpoint(item.Scalar()) : std::nullopt;
    if (!parsed)
      fail(item, key, fmt::format("expected an address such as 127.0.0.1:7100, found {}", describe(item)));
    for (const auto& seen : items)
      if (seen == *parsed) fail(item, key, fmt::format("'{}' is listed twice", item.Scalar()));
    items.push_back(*parsed);
  }
  out = std::move(items);
}

void Reader::boolean(std::string_view key, bool& out) {
  constexpr std::string_view expected = "true or false";
  auto value = scalar(key, expected);
  if (!value) return;
  const std::string& text = value->Scalar();
  if (text == "true")
    out = true;
  else if (text == "false")
    out = false;
  else
    fail(*value, key, fmt::format("expected {}, found '{}'", expected, text));
}

void Reader::path(std::string_view key, std::filesystem::path& out) {
  constexpr std::string_view expected = "a file path";
  auto value = scalar(key, expected);
  if (value && value->Scalar().empty()) fail(*value, key, "expected a file path, found an empty string");
  // Defaults are relative too: to the config file's folder, like written values.
  std::filesystem::path p = value ? std::filesystem::path(value->Scalar()) : out;
  out = p.is_absolute() ? p : (base_ / p).lexically_normal();
}

void Reader::optional_path(std::string_view key, std::filesystem::path& out) {
  auto value = scalar(key, "a file path or nothing");
  if (!value || value->Scalar().empty()) return;
  std::filesystem::path p = value->Scalar();
  out = p.is_absolute() ? p : (base_ / p).lexically_normal();
}

void Reader::game_settings(std::string_view key, std::vector<GameSetting>& out) {
  asked_.emplace(key);
  if (!has(key)) return;
  YAML::Node value = lookup(key);
  if (!value.IsMap() && !value.IsNull())
    fail(value, key, fmt::format("expected a map of the game's settings, found {}", describe(value)));
  try {
    out = flatten_game_settings(value);
  } catch (const GameSettingsError& e) {
    const std::string where = e.key().empty() ? key_path(key) : key_path(key) + "." + e.key();
    throw ConfigError(file_, e.line(), e.column(), where, e.problem());
  }
}

void Reader::string_list(std::string_view key, std::vector<std::string>& out) {
  asked_.emplace(key);
  if (!has(key)) return;
  YAML::Node value = lookup(key);
  if (!value.IsSequence())
    fail(value, key, fmt::format("expected a list such as [auth, gateway], found {}", describe(value)));
  std::vector<std::string> items;
  for (const auto& item : value) {
    if (!item.IsScalar()) fail(item, key, fmt::format("expected a name, found {}", describe(item)));
    items.push_back(item.Scalar());
  }
  out = std::move(items);
}

void Reader::name_list(std::string_view key, std::vector<std::string>& out, std::size_t min, std::size_t max,
                       std::size_t max_len) {
  asked_.emplace(key);
  if (!has(key)) return;
  YAML::Node value = lookup(key);
  if (value.IsScalar()) {
    std::string one;
    string(key, one, 1, max_len);
    out = {one};
    return;
  }
  auto expected = fmt::format("a name or a list of {} to {} names such as [auth-1, auth-2]", min, max);
  if (!value.IsSequence() || value.size() < min || value.size() > max)
    fail(value, key, fmt::format("expected {}, found {}", expected, describe(value)));
  std::vector<std::string> items;
  for (const auto& item : value) {
    if (!item.IsScalar() || item.Scalar().empty() || item.Scalar().size() > max_len)
      fail(item, key,
           fmt::format("expected a name of 1 to {} characters, found {}", max_len, describe(item)));
    for (const auto& seen : items)
      if (seen == item.Scalar()) fail(item, key, fmt::format("'{}' is listed twice", item.Scalar()));
    items.push_back(item.Scalar());
  }
  out = std::move(items);
}

void Reader::path_list(std::string_view key, std::vector<std::filesystem::path>& out) {
  std::vector<std::string> items;
  string_list(key, items);
  if (!has(key)) {
    for (auto& p : out) p = p.is_absolute() ? p : (base_ / p).lexically_normal();
    return;
  }
  YAML::Node list = lookup(key);
  out.clear();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].empty()) fail(list[i], key, "expected a file path, found an empty string");
    std::filesystem::path p = items[i];
    out.push_back(p.is_absolute() ? p : (base_ / p).lexically_normal());
  }
}

Reader Reader::section(std::string_view key) {
  asked_.emplace(key);
  YAML::Node child = has(key) ? lookup(key) : YAML::Node();
  if (has(key) && !child.IsNull() && !child.IsMap())
    fail(child, key, fmt::format("expected a map of keys, found {}", describe(child)));
  return Reader(child, file_, key_path(key), base_);
}

void Reader::finish() const {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& entry : node_) {
    auto key = entry.first.Scalar();
    if (asked_.find(key) == asked_.end()) {
      std::string known;
      for (const auto& k : asked_) known += (known.empty() ? "" : ", ") + k;
      fail(entry.first, key, fmt::format("unknown key; expected one of: {}", known));
    }
  }
}

}  // namespace gs::config
