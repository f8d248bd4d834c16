#pragma once
// Test doubles for GameHost: the world's players as a recorder, a log that keeps its
// lines, module paths from the environment (tests/game/meson.build sets them).

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "game/game_host.hpp"

namespace gs::test {

// The path of a test module: the environment variable `name` (e.g. GS_TEST_MODULE_C).
inline std::string module_path(const char* name) {
  const char* path = std::getenv(name);
  if (!path) throw std::runtime_error(std::string(name) + " is not set: run the test with meson test");
  return path;
}

struct Sent {
  std::uint32_t player;  // 0 for a broadcast
  gs_lane lane;
  std::string bytes;
  std::uint32_t except = 0;
  bool operator==(const Sent&) const = default;
};

class FakePlayers : public game::GamePlayers {
 public:
  std::set<std::uint32_t> present;
  std::vector<Sent> sent;
  std::vector<std::pair<std::uint32_t, std::string>> kicked;
  double rtt_ms = 42;

  int send(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) override {
    if (!present.contains(player)) return GS_ERR_NO_PLAYER;
    sent.push_back({player, lane, text(data)});
    return GS_OK;
  }
  int broadcast(gs_lane lane, std::span<const std::byte> data, std::uint32_t except) override {
    sent.push_back({0, lane, text(data), except});
    return GS_OK;
  }
  int kick(std::uint32_t player, std::string_view reason) override {
    if (!present.contains(player)) return GS_ERR_NO_PLAYER;
    kicked.emplace_back(player, std::string(reason));
    return GS_OK;
  }
  int stats(std::uint32_t player, gs_player_stats& out) override {
    if (!present.contains(player)) return GS_ERR_NO_PLAYER;
    out.rtt_ms = rtt_ms;
    return GS_OK;
  }

 private:
  static std::string text(std::span<const std::byte> data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
};

// Keeps every line logged: level and message.
class LogLines : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::pair<spdlog::level::level_enum, std::string>> lines;

  bool has(spdlog::level::level_enum level, const std::string& text) const {
    for (const auto& [l, line] : lines)
      if (l == level && line == text) return true;
    return false;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines.emplace_back(msg.level, std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}
};

// A logger at debug level into `sink`.
inline std::shared_ptr<spdlog::logger> capture_logger(const std::shared_ptr<LogLines>& sink);

inline std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// A module loaded and hosted on a manual clock (`now`), players faked, the log kept.
struct HostedModule {
  std::shared_ptr<LogLines> lines = std::make_shared<LogLines>();
  FakePlayers players;
  std::uint64_t now = 1000;
  game::LoadedModule loaded;
  game::GameHost host;

  explicit HostedModule(const char* module_env, std::vector<config::GameSetting> settings = {})
      : loaded(module_path(module_env)),
        host(loaded.module(), players, capture_logger(lines), std::move(settings), [this] { return now; }) {}
};

inline std::shared_ptr<spdlog::logger> capture_logger(const std::shared_ptr<LogLines>& sink) {
  auto log = std::make_shared<spdlog::logger>("game", sink);
  log->set_level(spdlog::level::debug);
  return log;
}

// The dynamic symbols a library defines (nm -D --defined-only), mangled.
inline std::set<std::string> exported(const std::string& path) {
  std::string command = module_path("NM") + " -D --defined-only " + path;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  std::set<std::string> names;
  char line[4096];
  while (fgets(line, sizeof line, pipe)) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (fields >> address >> type >> name) names.insert(name);
  }
  REQUIRE(pclose(pipe) == 0);
  return names;
}

// The C++ standard library's own (namespace std, __gnu_cxx, its type info), which
// libstdc++'s headers give default visibility whatever the module's flags.
inline bool standard_library(const std::string& name) {
  // A sanitizer build adds its own (__asan_*, __odr_asan*, __ubsan_* ...).
  if (name.starts_with("__")) return true;
  // namespace std members (const, &- and &&-qualified too), its type info, __gnu_cxx, and
  // the global operators new and delete that inline code instantiates.
  for (const char* prefix :
       {"_ZNSt", "_ZNKSt", "_ZNRSt", "_ZNKRSt", "_ZNOSt", "_ZNKOSt", "_ZSt", "_ZTISt", "_ZTSSt", "_ZTVSt",
        "_ZN9__gnu_cxx", "_ZNK9__gnu_cxx", "_ZGVZNSt", "_ZZNSt", "_Znw", "_Zna", "_Zdl", "_Zda"})
    if (name.starts_with(prefix)) return true;
  return false;
}

// What a module exports of its own: its dynamic symbols less the standard library's and a
// sanitizer's.
inline std::set<std::string> own_exports(const std::string& path) {
  std::set<std::string> ours;
  for (const auto& name : exported(path))
    if (!standard_library(name)) ours.insert(name);
  return ours;
}

}  // namespace gs::test
