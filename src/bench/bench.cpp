#include "bench/bench.hpp"

#include "bench/net.hpp"
#include "bench/proxy.hpp"
#include "bench/workloads.hpp"
#include "common/units.hpp"
#include "config/config.hpp"
#include "dtls/certgen.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace gs::bench {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop = true; }

struct Options {
  std::string listen = "127.0.0.1:7100";
  std::string connect;
  std::string workload = "stream";
  std::string peer = "gameserver";
  std::string cert_file;
  std::string key_file;
  std::string pin_file;
  std::string ca_file;
  bool insecure = false;
  bool json = false;
  bool announce = false;
  RunOptions run;
  // serve: the event loop's busy polling (event_loop.busy_poll), ENet's peer table
  std::string busy_poll = format_duration(config::EventLoopConfig{}.busy_poll);
  std::size_t enet_peers = 4095;
  // proxy
  double loss = 0;
  double delay_ms = 0;
  std::uint32_t seed = 1;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

net::Address parse_address(const std::string& s, const char* what) {
  auto a = net::Address::parse(s);
  if (!a) throw CLI::ValidationError(what, "expected HOST:PORT with a literal IP, got " + s);
  return *a;
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

std::shared_ptr<const dtls::ClientContext> client_trust(const Options& o) {
  dtls::ClientConfig c;
  if (!o.pin_file.empty()) {
    c.pinned_certificate_pem = read_file(o.pin_file);
  } else if (!o.ca_file.empty()) {
    c.ca_file = o.ca_file;
    // A CA-issued certificate must name the host of --connect.
    if (auto endpoint = parse_endpoint(o.connect)) c.server_name = endpoint->host;
  } else {
    c.insecure = true;
    std::cerr << "warning: server certificate not verified (no --pin or --ca); the traffic is "
                 "still encrypted\n";
  }
  return std::make_shared<dtls::ClientContext>(c);
}

// ENet preallocates its peer table: room for every client held open, or for the
// handshakes in flight.
std::size_t enet_peers(const RunOptions& r) {
  const std::uint32_t n = r.workload == Workload::hold ? r.clients : r.concurrency;
  return std::max<std::uint32_t>(n, 64) + 2;
}

std::optional<std::chrono::microseconds> parse_busy_poll(const std::string& text) {
  auto d = parse_duration(text);
  if (!d || *d > config::EventLoopConfig::busy_poll_max) return std::nullopt;
  return d;
}

// Checked when the command line is parsed (add_server_options).
std::chrono::microseconds busy_poll(const Options& o) { return *parse_busy_poll(o.busy_poll); }

int serve(const Options& o) {
  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  raise_fd_limit();
  const auto listen = parse_address(o.listen, "--listen");
  std::unique_ptr<Net> net;
  if (o.peer == "enet") {
    net = make_enet_server(listen, o.enet_peers);
  } else {
    GsServerOptions s;
    s.listen = listen;
    s.busy_poll = busy_poll(o);
    if (!o.cert_file.empty()) {
      s.certificate_pem = read_file(o.cert_file);
      s.private_key_pem = read_file(o.key_file);
    } else {
      auto c = dtls::generate_self_signed({"gameserver-bench", {"localhost"}, 7});
      s.certificate_pem = c.certificate_pem;
      s.private_key_pem = c.private_key_pem;
    }
    net = make_gs_server(s);
  }
  std::cout << "listening on " << net->local_address().to_string() << " (" << net->name() << ")" << std::endl;
  run_server(*net, g_stop);
  return 0;
}

int run(const Options& o) {
  raise_fd_limit();
  auto w = parse_workload(o.workload);
  if (!w) throw CLI::ValidationError("--workload", "unknown workload " + o.workload);
  RunOptions ro = o.run;
  ro.workload = *w;
  const auto server = parse_address(o.connect, "--connect");
  std::unique_ptr<Net> net =
      o.peer == "enet" ? make_enet_client(server, enet_peers(ro)) : make_gs_client(server, client_trust(o));
  auto result = run_client(*net, ro);
  std::cout << describe(result) << "\n";
  if (o.json) std::cout << result.dump() << "\n";
  return result.contains("error") ? 1 : 0;
}

// A child process running `bench serve`; its listening address is read from its first
// line of output.
struct Child {
  pid_t pid = -1;
  net::Address address;

  static Child spawn(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the bench that started us
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    Child c;
    c.pid = pid;
    std::string line;
    char ch = 0;
    while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
    ::close(out[0]);
    auto pos = line.find("listening on ");
    if (pos == std::string::npos) throw std::runtime_error("bench server did not start: " + line);
    auto rest = line.substr(pos + 13);
    auto a = net::Address::parse(rest.substr(0, rest.find(' ')));
    if (!a) throw std::runtime_error("bench server printed a bad address: " + line);
    c.address = *a;
    return c;
  }
  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
  ~Child() { stop(); }
};

// A proxy child between client and `server` when loss or delay is asked for.
Child with_proxy(const Options& o, const net::Address& server) {
  if (o.loss <= 0 && o.delay_ms <= 0) return Child{};
  return Child::spawn({"gameserver", "bench", "proxy", "--listen", "127.0.0.1:0", "--connect",
                       server.to_string(), "--loss", fmt::format("{}", o.loss), "--delay-ms",
                       fmt::format("{}", o.delay_ms), "--seed", std::to_string(o.seed)});
}

int local(const Options& o) {
  raise_fd_limit();
  auto w = parse_workload(o.workload);
  if (!w) throw CLI::ValidationError("--workload", "unknown workload " + o.workload);
  RunOptions ro = o.run;
  ro.workload = *w;

  char dir_template[] = "/tmp/gameserver-bench-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (dir == nullptr) throw std::runtime_error("cannot create a temporary directory");
  const std::string cert_path = std::string(dir) + "/cert.pem";
  const std::string key_path = std::string(dir) + "/key.pem";
  auto cert = dtls::generate_self_signed({"gameserver-bench", {"localhost"}, 1});
  {
    std::ofstream(cert_path) << cert.certificate_pem;
    ::umask(077);
    std::ofstream(key_path) << cert.private_key_pem;
  }
  auto cleanup = [&] {
    std::remove(cert_path.c_str());
    std::remove(key_path.c_str());
    ::rmdir(dir);
  };

  std::vector<nlohmann::json> results;
  try {
    {
      Child server = Child::spawn({"gameserver", "bench", "serve", "--listen", "127.0.0.1:0", "--cert",
                                   cert_path, "--key", key_path, "--busy-poll", o.busy_poll});
      Child impaired = with_proxy(o, server.address);
      dtls::ClientConfig cc;
      cc.pinned_certificate_pem = cert.certificate_pem;
      auto net = make_gs_client(impaired.pid > 0 ? impaired.address : server.address,
                                std::make_shared<dtls::ClientContext>(cc));
      results.push_back(run_client(*net, ro));
    }
    if (o.peer == "enet") {
      Child server = Child::spawn({"gameserver", "bench", "serve", "--peer", "enet", "--listen",
                                   "127.0.0.1:0", "--enet-peers", std::to_string(o.enet_peers)});
      RunOptions eo = ro;
      if (eo.workload == Workload::hold) eo.clients = std::min<std::uint32_t>(eo.clients, 4000);
      Child impaired = with_proxy(o, server.address);
      auto net = make_enet_client(impaired.pid > 0 ? impaired.address : server.address, enet_peers(eo));
      results.push_back(run_client(*net, eo));
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();

  for (const auto& r : results) std::cout << describe(r) << "\n";
  nlohmann::json out = results[0];
  if (results.size() == 2) {
    out["enet"] = results[1];
    nlohmann::json ratio = nlohmann::json::object();
    for (const char* k : {"msgs_per_s", "mb_per_s", "p50_us", "p99_us", "p50_ms", "p99_ms", "max_ms",
                          "connects_per_s", "bytes_per_connection"}) {
      if (results[0].contains(k) && results[1].contains(k) && results[1][k].get<double>() > 0)
        ratio[k] = results[0][k].get<double>() / results[1][k].get<double>();
    }
    out["ratio_vs_enet"] = ratio;
    std::string line = "ratio (gameserver / enet):";
    for (auto& [k, v] : ratio.items()) line += fmt::format(" {}={:.2f}", k, v.get<double>());
    std::cout << line << "\n";
  }
  if (o.json) std::cout << out.dump() << "\n";
  for (const auto& r : results)
    if (r.contains("error")) return 1;
  return 0;
}

int proxy(const Options& o) {
  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ProxyOptions p;
  p.listen = parse_address(o.listen, "--listen");
  p.upstream = parse_address(o.connect, "--connect");
  p.loss = o.loss;
  p.delay_ms = o.delay_ms;
  p.seed = o.seed;
  return run_proxy(p, g_stop);
}

void add_server_options(CLI::App* app, Options& o) {
  app->add_option("--busy-poll", o.busy_poll,
                  "gameserver: how long the server's loop polls before sleeping, 0us..1ms "
                  "(event_loop.busy_poll; 0us = never)")
      ->capture_default_str()
      ->check([](const std::string& text) -> std::string {
        if (parse_busy_poll(text)) return {};
        return "expected a duration from 0us to " + format_duration(config::EventLoopConfig::busy_poll_max) +
               ", got " + text;
      });
  app->add_option("--enet-peers", o.enet_peers,
                  "enet: the server's peer table (ENet walks all of it on every service call)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4095));
}

void add_run_options(CLI::App* app, Options& o) {
  app->add_option("--workload", o.workload, "stream|pingpong|paced|connect|hold")->capture_default_str();
  app->add_option("--messages", o.run.messages, "messages to send (stream, pingpong, paced)")
      ->capture_default_str();
  app->add_option("--size", o.run.size, "message size in bytes (at least 17)")->capture_default_str();
  app->add_option("--rate", o.run.rate, "paced: messages per second")->capture_default_str();
  app->add_option("--clients", o.run.clients, "connect, hold: number of clients")->capture_default_str();
  app->add_option("--concurrency", o.run.concurrency, "connect, hold: handshakes in flight at a time")
      ->capture_default_str();
  app->add_option("--timeout", o.run.timeout_s, "give up after this many seconds")->capture_default_str();
  app->add_flag("--json", o.json, "end the output with one JSON object");
}

}  // namespace

void add_bench_command(CLI::App& root, std::function<int()>& action) {
  auto opts = std::make_shared<Options>();
  auto* bench = root.add_subcommand(
      "bench", "measure the encrypted transport (and ENet for comparison) on real sockets");
  bench->require_subcommand(1);

  auto* serve_cmd = bench->add_subcommand("serve", "Serve bench clients until interrupted");
  serve_cmd->add_option("--listen", opts->listen, "HOST:PORT to listen on")->capture_default_str();
  serve_cmd->add_option("--peer", opts->peer, "gameserver (default) or enet")
      ->check(CLI::IsMember({"gameserver", "enet"}));
  serve_cmd->add_option("--cert", opts->cert_file, "PEM certificate (default: a fresh one)");
  serve_cmd->add_option("--key", opts->key_file, "PEM private key for --cert");
  add_server_options(serve_cmd, *opts);
  serve_cmd->callback([opts, &action] { action = [opts] { return serve(*opts); }; });

  auto* run_cmd = bench->add_subcommand("run", "Run a workload against `bench serve`");
  run_cmd->add_option("--connect", opts->connect, "HOST:PORT of the server (or of a proxy)")->required();
  add_run_options(run_cmd, *opts);
  run_cmd->add_option("--peer", opts->peer, "gameserver (default) or enet")
      ->check(CLI::IsMember({"gameserver", "enet"}));
  run_cmd->add_option("--pin", opts->pin_file, "trust exactly this server certificate (PEM)");
  run_cmd->add_option("--ca", opts->ca_file,
                      "trust server certificates issued by these CAs for the host of --connect");
  run_cmd->callback([opts, &action] { action = [opts] { return run(*opts); }; });

  auto* local_cmd =
      bench->add_subcommand("local", "Run a workload with a server process on loopback (both sides here)");
  add_run_options(local_cmd, *opts);
  local_cmd->add_option("--peer", opts->peer, "also measure enet and print the ratio")
      ->check(CLI::IsMember({"gameserver", "enet"}));
  local_cmd->add_option("--loss", opts->loss, "insert a proxy losing this fraction of datagrams");
  local_cmd->add_option("--delay-ms", opts->delay_ms, "... and delaying each by this much");
  local_cmd->add_option("--seed", opts->seed, "proxy random seed")->capture_default_str();
  add_server_options(local_cmd, *opts);
  local_cmd->callback([opts, &action] { action = [opts] { return local(*opts); }; });

  auto* proxy_cmd = bench->add_subcommand(
      "proxy", "Forward UDP between clients and a server, losing and delaying datagrams");
  proxy_cmd->add_option("--listen", opts->listen, "HOST:PORT for clients")->capture_default_str();
  proxy_cmd->add_option("--connect", opts->connect, "HOST:PORT of the server")->required();
  proxy_cmd->add_option("--loss", opts->loss, "fraction of datagrams dropped, each direction")
      ->check(CLI::Range(0.0, 1.0));
  proxy_cmd->add_option("--delay-ms", opts->delay_ms, "added one-way delay, each direction")
      ->check(CLI::Range(0.0, 10000.0));
  proxy_cmd->add_option("--seed", opts->seed, "random seed")->capture_default_str();
  proxy_cmd->callback([opts, &action] { action = [opts] { return proxy(*opts); }; });
}

}  // namespace gs::bench
