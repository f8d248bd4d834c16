#pragma once
// One entry of `world.game.settings` as a game module receives it (gs_setting in
// include/gameserver/game.h); config/game_settings.hpp reads them from YAML.

#include <string>

namespace gs::config {

struct GameSetting {
  std::string key;    // nested keys joined with '.', list items numbered
  std::string value;  // the YAML text as written
};

}  // namespace gs::config
