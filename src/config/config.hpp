#pragma once
// The typed configuration. YAML is read once (config/load.hpp) into these
// structs; no role ever holds a YAML node. Every member carries its default here,
// and its unit and range where it is read (config/load.cpp). The README's config
// reference lists the same keys.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "common/log.hpp"
#include "common/units.hpp"

namespace gs::config {

using std::chrono::microseconds;
using namespace std::chrono_literals;

struct LogConfig {
  spdlog::level::level_enum level = spdlog::level::info;
  LogFormat format = LogFormat::text;
};

// Admin HTTP endpoint (metrics, health). Loopback by default: never expose it.
struct AdminConfig {
  Endpoint listen{"127.0.0.1", 9100};
};

struct WorkerConfig {
  unsigned threads = 0;  // 0 = one per hardware thread
};

// Settings of the reliable-UDP channel shared by every connection.
struct ChannelSettings {
  std::uint64_t max_datagram = 1200;     // bytes, 576..1359 (one DTLS record)
  std::uint64_t max_message = 1 << 20;   // bytes, 1KiB..64MiB
  microseconds keepalive = 1s;           // idle time before a ping, 100ms..60s
  microseconds timeout = 10s;            // silence before closing, 1s..10m
};

struct AuthConfig {
  Endpoint listen{"127.0.0.1", 7100};
  std::filesystem::path database = "data/accounts.db";  // relative to the config file
};

struct GatewayConfig {
  Endpoint listen{"127.0.0.1", 7000};
  Endpoint auth{"127.0.0.1", 7100};  // where the auth role listens
  unsigned max_clients = 10000;      // 1..1000000
};

struct WorldConfig {
  std::string id = "world-1";                 // the token audience; 1..64 chars
  Endpoint listen{"127.0.0.1", 7200};
  Endpoint public_address{"127.0.0.1", 7200};  // what clients are told; defaults to listen
  Endpoint auth{"127.0.0.1", 7100};
  unsigned capacity = 100;   // players, 1..100000
  unsigned tick_rate = 30;   // Hz, 1..240
};

struct Config {
  std::filesystem::path file;  // empty when built from defaults only
  std::vector<std::string> roles;
  LogConfig log;
  AdminConfig admin;
  WorkerConfig workers;
  ChannelSettings channel;
  AuthConfig auth;
  GatewayConfig gateway;
  WorldConfig world;
};

}  // namespace gs::config
