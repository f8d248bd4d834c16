#pragma once
// Logger construction. Every component receives its logger from its context;
// nothing reaches for a global logger.

#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/logger.h>

namespace gs {

enum class LogFormat { text, json };

// "trace", "debug", "info", "warn", "error", "critical", "off".
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);
std::optional<LogFormat> parse_log_format(std::string_view text);
std::string_view to_string(LogFormat format);

// A logger writing to standard error: readable lines for `text`, one JSON object
// per line for `json` (keys time, level, logger, msg; msg is escaped).
std::shared_ptr<spdlog::logger> make_logger(std::string_view name, spdlog::level::level_enum level,
                                            LogFormat format);

}  // namespace gs
