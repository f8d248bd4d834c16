#include "config/game_settings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using gs::config::flatten_game_settings;
using gs::config::GameSettingsError;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs flat(const std::string& yaml) {
  Pairs out;
  for (const auto& s : flatten_game_settings(YAML::Load(yaml))) out.emplace_back(s.key, s.value);
  return out;
}

std::string error_of(const std::string& yaml) {
  try {
    flatten_game_settings(YAML::Load(yaml));
  } catch (const GameSettingsError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("settings: nested maps join with dots, lists are numbered, scalars keep their text, in order") {
  Pairs want = {{"rounds", "3"},          {"spawn.x", "1.50"},     {"spawn.y", "-2"},     {"maps.0", "moon"},
                {"maps.1", "mars"},       {"teams.0.name", "red"}, {"teams.0.size", "4"}, {"ranked", "yes"},
                {"motd", "hello: world"}, {"nothing", ""}};
  CHECK(flat("rounds: 3\n"
             "spawn: {x: 1.50, y: -2}\n"
             "maps: [moon, mars]\n"
             "teams:\n  - name: red\n    size: 4\n"
             "ranked: yes\n"
             "motd: 'hello: world'\n"
             "nothing: ~\n") == want);
}

TEST_CASE("settings: absent, null or empty settings are no entries; empty maps and lists give none") {
  CHECK(flatten_game_settings(YAML::Node()).empty());
  CHECK(flat("~").empty());
  CHECK(flat("{}").empty());
  CHECK(flat("a: {}\nb: []\nc: 1\n") == Pairs{{"c", "1"}});
}

TEST_CASE("settings: a key with a dot is refused, naming the key and where it is") {
  try {
    flatten_game_settings(YAML::Load("spawn:\n  pos.x: 1\n"));
    FAIL("no error");
  } catch (const GameSettingsError& e) {
    CHECK(std::string(e.what()).starts_with("world.game.settings.spawn.pos.x: a key must not contain '.'"));
    CHECK(e.key() == "spawn.pos.x");
    CHECK(e.line() == 2);
    CHECK(e.column() == 3);
  }
}

TEST_CASE("settings: settings that are not a map, empty keys, map keys and duplicates are refused") {
  CHECK(error_of("[1, 2]") == "world.game.settings: expected a map of settings");
  CHECK(error_of("just text") == "world.game.settings: expected a map of settings");
  CHECK(error_of("a: {'': 1}") == "world.game.settings.a.: a key must not be empty");
  CHECK(error_of("? [x]\n: 1\n") == "world.game.settings: a key must be a plain text, not a map or list");
  CHECK(error_of("a: 1\na: 2\n") == "world.game.settings.a: the key appears twice");
}

TEST_CASE("settings: a value over 4 KiB is refused naming its key; 4 KiB exactly is kept") {
  std::string ok(gs::config::kMaxGameSettingValue, 'v');
  CHECK(flat("big: " + ok).at(0).second == ok);
  CHECK(error_of("small: 1\nbig: " + ok + "v") ==
        "world.game.settings.big: the value is 4097 bytes, more than 4096");
}

TEST_CASE("settings: more than 1000 entries are refused naming the first one over") {
  std::string yaml = "list:\n";
  for (int i = 0; i < 1000; ++i) yaml += "  - " + std::to_string(i) + "\n";
  CHECK(flat(yaml).size() == 1000);
  CHECK(error_of(yaml + "  - over\n") == "world.game.settings.list.1000: more than 1000 settings");
}

TEST_CASE("settings: NUL characters in keys or values are refused") {
  CHECK(error_of("a: \"x\\0y\"") == "world.game.settings.a: the value must not contain a NUL character");
  CHECK(error_of("\"k\\0\": 1") == "world.game.settings.k\\x00: a key must not contain a NUL character");
}
