// Client and server sides of the bench workloads, over either stack (bench::Net).
#pragma once

#include "bench/net.hpp"
#include "bench/protocol.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace gs::bench {

struct RunOptions {
  Workload workload = Workload::stream;
  std::uint32_t messages = 100000;
  std::uint32_t size = 100;
  double rate = 60;                 // paced: messages per second
  std::uint32_t clients = 1000;     // connect, hold
  std::uint32_t concurrency = 200;  // connect, hold: connects in flight
  double timeout_s = 120;
};

// Runs one workload as a client; returns the result as JSON (keys of DESIGN.md).
nlohmann::json run_client(Net& net, const RunOptions& options);

// Serves bench clients until `stop` becomes true.
void run_server(Net& net, const std::atomic<bool>& stop);

// Resident set size of this process, bytes.
std::uint64_t resident_bytes();

// Human-readable lines for a result.
std::string describe(const nlohmann::json& result);

}  // namespace gs::bench
