#pragma once
// The admin HTTP endpoint: GET /metrics (Prometheus text format) and GET /healthz
// (200 "ok" once every registered role is ready, else 503 naming what is missing).
// HTTP runs on its own threads (cpp-httplib); each request posts a collection to the
// event loop and waits for it, so role state is only ever read on the loop thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <spdlog/logger.h>
#include <asio/io_context.hpp>

#include "admin/metrics.hpp"
#include "common/units.hpp"
#include "runtime/role.hpp"

namespace gs::admin {

struct Snapshot {
  std::string metrics;  // exposition text (empty when only health was asked for)
  Health health;
};

class AdminServer {
 public:
  // How long a request waits for the event loop before answering 503.
  static constexpr std::chrono::milliseconds collect_timeout{2000};

  AdminServer(asio::io_context& io, std::shared_ptr<spdlog::logger> log);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Registers a role if it reports metrics (implements MetricsSource); its samples
  // carry the label role="NAME". Call on the event loop thread, or before it runs.
  void add(Role& role);
  void add(std::string name, MetricsSource& source);
  // Registers metrics of the whole process (the event loop), written without a role
  // label after the roles'. Called on the event loop thread, like the roles' collect().
  void add_process_metrics(std::function<void(MetricsWriter&)> collect);

  // Binds `listen` (port 0: any free port) and serves on a thread of its own; logs nothing.
  // Throws std::runtime_error when the address cannot be bound.
  void start(const Endpoint& listen);
  // The bound port; 0 before start().
  std::uint16_t port() const { return port_; }
  // Stops serving and joins the HTTP threads. Sources are never read after this.
  void stop();

  // Collects on the event loop: health, and the metrics text if `metrics`; nullopt if
  // the loop does not answer within `timeout`.
  std::optional<Snapshot> snapshot(bool metrics, std::chrono::milliseconds timeout = collect_timeout);

 private:
  struct Shared;
  struct Http;

  asio::io_context& io_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Http> http_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace gs::admin
