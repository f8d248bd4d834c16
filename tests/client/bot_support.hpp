#pragma once
// Running `gameserver bot` against a test deployment and reading its JSON summary.

#include <chrono>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gs::test {

// The last line of `output` that holds a JSON object; null if none parses.
inline nlohmann::json last_json_line(const std::string& output) {
  auto end = output.find_last_not_of('\n');
  while (end != std::string::npos) {
    auto start = output.rfind('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    auto line = output.substr(start, end - start + 1);
    if (!line.empty() && line.front() == '{') return nlohmann::json::parse(line, nullptr, false);
    if (start == 0) break;
    end = start - 2;
  }
  return nullptr;
}

// Logs in once with `gameserver client` until the roles' links are up (10 s at most).
inline void wait_until_logins_work(const std::string& config, const std::string& user,
                                   const std::string& password) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto [status, output] =
        run({"client", "--config", config, "--user", user, "--password-stdin", "--json"}, password);
    if (status == 0 || std::chrono::steady_clock::now() > deadline) {
      REQUIRE_MESSAGE(status == 0, output);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace gs::test
