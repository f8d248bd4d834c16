#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/error.hpp"

namespace gs::config {

// The role names this build knows, in start-up order.
bool is_known_role(std::string_view name);

// Reads and validates a config file. Throws ConfigError for unreadable files, YAML
// syntax errors, unknown keys, wrong types, out-of-range values and missing
// required keys.
Config load_file(const std::filesystem::path& file);

// The same from text; `name` stands in for the file name in messages and `base`
// resolves relative paths.
Config load_text(std::string_view text, const std::string& name, const std::filesystem::path& base);

// The effective config (defaults filled in) as YAML.
std::string to_yaml(const Config& config);

}  // namespace gs::config
