#pragma once
// `world.game.settings` as a game module receives it (gs_setting in game.h): the YAML
// tree flattened into an ordered list of key/value strings. Nested maps join their keys
// with '.' ("spawn.x"), list items are numbered ("maps.0", "maps.1"), every scalar is its
// YAML text as written ("1.50" stays "1.50", "yes" stays "yes"); a null value (nothing,
// "~" or "null") is the empty string. An empty map or list gives no entry. Order is the
// document's.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/game_setting.hpp"

namespace gs::config {

inline constexpr std::size_t kMaxGameSettings = 1000;
inline constexpr std::size_t kMaxGameSettingValue = 4096;  // bytes

// what() reads "world.game.settings.KEY: problem"; line and column are 1-based (0 when
// the node has no position).
class GameSettingsError : public std::runtime_error {
 public:
  GameSettingsError(std::string key, int line, int column, const std::string& problem);
  const std::string& key() const { return key_; }
  const std::string& problem() const { return problem_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  std::string key_;
  std::string problem_;
  int line_;
  int column_;
};

// The flattened settings of `node` (a map, or null/absent for none). Throws
// GameSettingsError when a key is not a plain scalar, is empty, contains '.' or a NUL byte,
// appears twice, a value is over kMaxGameSettingValue bytes or contains a NUL byte, or there
// are more than kMaxGameSettings entries.
std::vector<GameSetting> flatten_game_settings(const YAML::Node& node);

}  // namespace gs::config
