#include "config/game_settings.hpp"

#include <set>

#include <fmt/format.h>

namespace gs::config {
namespace {

constexpr const char* kRoot = "world.game.settings";

// The key as the error shows it: control characters as \xNN.
std::string printable(const std::string& key) {
  std::string out;
  for (char c : key) {
    auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7f ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  return out;
}

class Flattener {
 public:
  std::vector<GameSetting> run(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return {};
    if (!node.IsMap()) fail("", node, "expected a map of settings");
    visit("", node);
    return std::move(out_);
  }

 private:
  [[noreturn]] static void fail(const std::string& key, const YAML::Node& node, const std::string& problem) {
    YAML::Mark mark = node.Mark();
    bool known = !mark.is_null();
    throw GameSettingsError(key, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, problem);
  }

  static std::string join(const std::string& prefix, const std::string& part) {
    return prefix.empty() ? part : prefix + "." + part;
  }

  void visit(const std::string& key, const YAML::Node& node) {
    if (node.IsMap()) {
      for (const auto& item : node) {
        const YAML::Node& k = item.first;
        if (!k.IsScalar()) fail(key, k, "a key must be a plain text, not a map or list");
        const std::string& part = k.Scalar();
        std::string full = join(key, part);
        if (part.empty()) fail(full, k, "a key must not be empty");
        if (part.find('.') != std::string::npos)
          fail(full, k,
               "a key must not contain '.' (nest a map instead: the game sees the keys joined by '.')");
        if (part.find('\0') != std::string::npos) fail(full, k, "a key must not contain a NUL character");
        visit(full, item.second);
      }
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) visit(join(key, std::to_string(i)), node[i]);
    } else {
      add(key, node);
    }
  }

  void add(const std::string& key, const YAML::Node& node) {
    std::string value = node.Scalar();
    if (value.size() > kMaxGameSettingValue)
      fail(key, node, fmt::format("the value is {} bytes, more than {}", value.size(), kMaxGameSettingValue));
    if (value.find('\0') != std::string::npos) fail(key, node, "the value must not contain a NUL character");
    if (!seen_.insert(key).second) fail(key, node, "the key appears twice");
    if (out_.size() == kMaxGameSettings)
      fail(key, node, fmt::format("more than {} settings", kMaxGameSettings));
    out_.push_back({key, std::move(value)});
  }

  std::vector<GameSetting> out_;
  std::set<std::string> seen_;
};

}  // namespace

GameSettingsError::GameSettingsError(std::string key, int line, int column, const std::string& problem)
    : std::runtime_error(fmt::format("{}{}{}: {}", kRoot, key.empty() ? "" : ".", printable(key), problem)),
      key_(std::move(key)),
      problem_(problem),
      line_(line),
      column_(column) {}

std::vector<GameSetting> flatten_game_settings(const YAML::Node& node) { return Flattener().run(node); }

}  // namespace gs::config
