#pragma once
// A throwaway deployment for tests: a temporary folder with freshly generated keys
// and secrets, a config whose roles listen on free loopback ports, and a YAML file
// of the same config for tests that run the binary.

#include <filesystem>
#include <string>

#include "config/config.hpp"

namespace gs::test {

// A UDP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_udp_port();

struct Deployment {
  // `tag` names the temporary folder. Keys are created at once.
  explicit Deployment(const std::string& tag);
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  std::filesystem::path dir;
  config::Config config;  // all three roles, cheap password hashing, quiet logs
  // Writes `config` as YAML (plus `extra` lines at the top level) and returns its path.
  std::filesystem::path write_config(const std::string& name = "gameserver.yaml", const std::string& extra = "") const;
};

}  // namespace gs::test
