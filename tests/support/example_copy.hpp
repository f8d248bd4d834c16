#pragma once
// An example config folder of the source tree (etc/<name>) copied to a temporary
// folder with every port swapped for a free one, so that tests run the example
// files as they are, and the processes started from them.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "support/process.hpp"

namespace gs::test {

// etc/<name> copied to DIR/etc/<name> (so its ../../data paths land in DIR/data),
// every 127.0.0.1 port replaced by a free one: TCP for the admin ports (91xx), UDP
// for the rest. The folder is removed when destroyed.
struct ExampleCopy {
  explicit ExampleCopy(const std::string& name);
  ~ExampleCopy();
  ExampleCopy(const ExampleCopy&) = delete;
  ExampleCopy& operator=(const ExampleCopy&) = delete;

  std::string name;
  std::filesystem::path dir;
  std::map<std::string, std::uint16_t> ports;  // example port -> port used here

  // The copied `file`.yaml.
  std::string config(const std::string& file) const;
  // The port used here for the example's port `example`.
  std::uint16_t port(int example) const;
  std::string address(int example) const;

  // Starts the binary with the copied `file`.yaml; returns once `role` listens (15 s).
  std::unique_ptr<Process> start(const std::string& file, const std::string& role) const;
};

// SIGTERM, a clean exit within 10 s, and the process is gone.
void stop(std::unique_ptr<Process>& process);

}  // namespace gs::test
