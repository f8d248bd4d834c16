#include "admin/admin_server.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <asio/post.hpp>

namespace gs::admin {

// What the posted collection needs; it outlives the server if a request times out.
struct AdminServer::Shared {
  std::vector<std::pair<std::string, MetricsSource*>> sources;  // loop thread only
  std::vector<std::function<void(MetricsWriter&)>> process;     // loop thread only
  std::atomic<bool> open{true};
};

struct AdminServer::Http {
  httplib::Server server;
};

namespace {

// Health always; metrics only when asked (a collect resets per-scrape maxima).
Snapshot collect(const std::vector<std::pair<std::string, MetricsSource*>>& sources,
                 const std::vector<std::function<void(MetricsWriter&)>>& process, bool metrics) {
  auto begin = std::chrono::steady_clock::now();
  Snapshot snapshot;
  MetricsWriter out;
  std::vector<std::string> missing;
  for (const auto& [name, source] : sources) {
    Health health = source->health();
    if (!health.ready) missing.push_back(health.detail.empty() ? name + ": not ready" : health.detail);
    if (!metrics) continue;
    out.set_common_labels({{"role", name}});
    source->collect(out);
    out.gauge("gameserver_ready", "1 when the role is ready to serve (see /healthz)", health.ready ? 1 : 0);
  }
  if (sources.empty()) missing.emplace_back("no roles running");
  if (metrics) {
    out.set_common_labels({});
    for (const auto& write : process) write(out);
    out.gauge("gameserver_admin_collect_seconds", "Time the event loop spent collecting this scrape",
              seconds(std::chrono::steady_clock::now() - begin));
    snapshot.metrics = out.text();
  }
  snapshot.health.ready = missing.empty();
  for (const auto& line : missing) snapshot.health.detail += line + '\n';
  return snapshot;
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, std::shared_ptr<spdlog::logger> log)
    : io_(io), log_(std::move(log)), shared_(std::make_shared<Shared>()) {}

AdminServer::~AdminServer() { stop(); }

void AdminServer::add(Role& role) {
  if (auto* source = dynamic_cast<MetricsSource*>(&role)) add(std::string(role.name()), *source);
}

void AdminServer::add(std::string name, MetricsSource& source) {
  shared_->sources.emplace_back(std::move(name), &source);
}

void AdminServer::add_process_metrics(std::function<void(MetricsWriter&)> collect) {
  shared_->process.push_back(std::move(collect));
}

std::optional<Snapshot> AdminServer::snapshot(bool metrics, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Snapshot>>();
  auto future = promise->get_future();
  asio::post(io_, [shared = shared_, promise, metrics] {
    if (!shared->open) return;
    try {
      promise->set_value(collect(shared->sources, shared->process, metrics));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return future.get();
}

void AdminServer::start(const Endpoint& listen) {
  http_ = std::make_unique<Http>();
  auto& server = http_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_max_count(10);

  auto answer = [this](httplib::Response& res, bool metrics) {
    std::optional<Snapshot> snapshot;
    try {
      snapshot = this->snapshot(metrics);
    } catch (const std::exception& e) {
      log_->error("admin: collecting metrics failed: {}", e.what());
      res.status = 500;
      res.set_content(fmt::format("collecting failed: {}\n", e.what()), "text/plain; charset=utf-8");
      return;
    }
    if (!snapshot) {
      res.status = 503;
      res.set_content(fmt::format("event loop did not answer within {} ms\n", collect_timeout.count()),
                      "text/plain; charset=utf-8");
      return;
    }
    if (metrics) {
      res.set_content(std::move(snapshot->metrics), "text/plain; version=0.0.4; charset=utf-8");
    } else if (snapshot->health.ready) {
      res.set_content("ok\n", "text/plain; charset=utf-8");
    } else {
      res.status = 503;
      res.set_content(snapshot->health.detail, "text/plain; charset=utf-8");
    }
  };
  server.Get("/metrics", [answer](const httplib::Request&, httplib::Response& res) { answer(res, true); });
  server.Get("/healthz", [answer](const httplib::Request&, httplib::Response& res) { answer(res, false); });

  auto host = listen.host;
  if (listen.port == 0) {
    int port = server.bind_to_any_port(host);
    if (port <= 0) throw std::runtime_error(fmt::format("admin: cannot listen on {}", listen.to_string()));
    port_ = static_cast<std::uint16_t>(port);
  } else {
    if (!server.bind_to_port(host, listen.port))
      throw std::runtime_error(fmt::format("admin: cannot listen on {}", listen.to_string()));
    port_ = listen.port;
  }
  thread_ = std::thread([&server] { server.listen_after_bind(); });
  // stop() only reaches a server that is running: wait for it, so an early stop
  // cannot leave the thread blocked in accept.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void AdminServer::stop() {
  shared_->open = false;
  if (http_) http_->server.stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
}

}  // namespace gs::admin
