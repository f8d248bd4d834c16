#include "config/error.hpp"

#include <fmt/format.h>

namespace gs::config {

ConfigError::ConfigError(std::string file, int line, int column, std::string key, std::string problem)
    : std::runtime_error(fmt::format("{}:{}:{}: {}: {}", file, line, column, key, problem)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)) {}

}  // namespace gs::config
