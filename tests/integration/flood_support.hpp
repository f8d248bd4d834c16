#pragma once
// Helpers shared by the flood and fault tests: the metrics of a running server, a
// process's resident memory. (A free TCP port for the admin endpoint: support/deployment.hpp.)

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <sys/types.h>

#include "../admin/exposition.hpp"
#include "support/deployment.hpp"

namespace gs::test {

// The admin endpoint's /metrics, parsed; nullopt if it does not answer.
inline std::optional<Exposition> scrape(std::uint16_t admin_port) {
  return scrape(admin_port, std::chrono::seconds(10));
}

// One sample of a role's metric; -1 when missing.
inline double sample(const Exposition& e, const std::string& name, const std::string& role,
                     std::map<std::string, std::string> labels = {}) {
  labels["role"] = role;
  auto it = e.samples.find(key(name, labels));
  return it == e.samples.end() ? -1 : it->second;
}

// Scrapes until `pred(exposition)` holds or `timeout` passes; the last scrape.
template <typename Pred>
std::optional<Exposition> scrape_until(std::uint16_t admin_port, Pred pred,
                                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<Exposition> last;
  for (;;) {
    last = scrape(admin_port);
    if ((last && pred(*last)) || std::chrono::steady_clock::now() > deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// VmRSS of `pid` in bytes (0 if unreadable).
inline std::uint64_t resident_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string word;
  while (status >> word) {
    if (word == "VmRSS:") {
      std::uint64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

}  // namespace gs::test
