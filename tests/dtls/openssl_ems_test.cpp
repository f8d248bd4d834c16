// Extended Master Secret against OpenSSL 3.0, whose s_client and s_server have no switch
// for it: an OPENSSL_CONF with `Options = -ExtendedMasterSecret` turns it off. Our
// server drops such a client's hello; our client refuses such a server.
#include "dtls/certgen.hpp"
#include "dtls/client.hpp"
#include "dtls/server.hpp"
#include "net/udp_endpoint.hpp"

#include <doctest/doctest.h>

#include <asio/steady_timer.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>

using namespace std::chrono_literals;

namespace {

bool have_openssl() { return std::system("openssl version > /dev/null 2>&1") == 0; }

// A temporary folder with a certificate, its key and an OpenSSL config without EMS.
struct Files {
  std::string dir;
  gs::dtls::GeneratedCertificate cert = gs::dtls::generate_self_signed({"localhost", {"localhost"}, 1});
  Files() {
    char dir_template[] = "/tmp/dtls-ems-XXXXXX";
    dir = mkdtemp(dir_template);
    std::ofstream(dir + "/cert.pem") << cert.certificate_pem;
    std::ofstream(dir + "/key.pem") << cert.private_key_pem;
    std::ofstream(dir + "/no-ems.cnf") << "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n"
                                          "[ssl_sect]\nsystem_default = system_default_sect\n"
                                          "[system_default_sect]\nOptions = -ExtendedMasterSecret\n";
  }
  ~Files() {
    for (const char* f : {"/cert.pem", "/key.pem", "/no-ems.cnf", "/out.txt"}) std::remove((dir + f).c_str());
    ::rmdir(dir.c_str());
  }
};

// Runs `argv` with OPENSSL_CONF=`conf` (none if empty), its output in `out`.
pid_t spawn(const std::vector<std::string>& argv, const std::string& conf, const std::string& out) {
  pid_t child = ::fork();
  if (child != 0) return child;
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  int null = ::open("/dev/null", O_RDONLY);
  ::dup2(null, 0);
  if (!conf.empty()) ::setenv("OPENSSL_CONF", conf.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

void stop(pid_t child) {
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
}

std::uint16_t free_udp_port() {
  asio::io_context io;
  gs::net::UdpEndpoint probe(io, gs::net::Address::loopback_v4(0));
  return probe.local_address().port();
}

// Runs `io` until `done` or `limit`, checking every 20 ms.
void run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::seconds limit) {
  asio::steady_timer poll(io);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::function<void()> check = [&] {
    poll.expires_after(20ms);
    poll.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      if (done() || std::chrono::steady_clock::now() > deadline) return io.stop();
      check();
    });
  };
  check();
  io.run();
}

struct ServerGlue : gs::dtls::ServerHandler {
  gs::net::UdpEndpoint* udp = nullptr;
  void on_transmit(const gs::net::Address& to, std::span<const std::uint8_t> d) override { udp->send(to, d); }
  void on_accepted(gs::dtls::PeerId, const gs::net::Address&) override {}
  void on_data(gs::dtls::PeerId, std::span<const std::uint8_t>) override {}
  void on_closed(gs::dtls::PeerId, const gs::End&) override {}
};

struct ClientGlue : gs::dtls::ClientHandler {
  gs::net::UdpEndpoint* udp = nullptr;
  gs::net::Address server;
  bool connected = false;
  bool closed = false;
  std::string detail;
  void on_transmit(std::span<const std::uint8_t> d) override { udp->send(server, d); }
  void on_connected() override { connected = true; }
  void on_data(std::span<const std::uint8_t>) override {}
  void on_closed(const gs::End& end) override {
    closed = true;
    detail = end.detail;
  }
};

// Our client against `openssl s_server -dtls1_2`, with OPENSSL_CONF=`conf` unless empty.
ClientGlue client_against_s_server(const Files& files, const std::string& conf) {
  const std::uint16_t port = free_udp_port();
  pid_t child = spawn({"openssl", "s_server", "-dtls1_2", "-accept", std::to_string(port), "-cert",
                       files.dir + "/cert.pem", "-key", files.dir + "/key.pem", "-quiet"},
                      conf, files.dir + "/out.txt");
  asio::io_context io;
  gs::net::UdpEndpoint udp(io, gs::net::Address::loopback_v4(0));
  ClientGlue glue;
  glue.udp = &udp;
  glue.server = gs::net::Address::loopback_v4(port);
  gs::dtls::ClientConfig config;
  config.ca_pem = files.cert.certificate_pem;  // pinned: s_server presents it
  gs::dtls::Client client(std::make_shared<gs::dtls::ClientContext>(config), glue);
  udp.start([&](const gs::net::Address&, std::span<const std::uint8_t> d) {
    client.receive(d, gs::dtls::Clock::now());
  });
  asio::steady_timer timer(io);
  std::function<void()> tick = [&] {
    timer.expires_after(100ms);
    timer.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      client.update(gs::dtls::Clock::now());
      tick();
    });
  };
  tick();
  client.start(gs::dtls::Clock::now());
  run_until(
      io, [&] { return glue.connected || glue.closed; }, 15s);
  client.close();
  stop(child);
  return glue;
}

}  // namespace

TEST_CASE("our client refuses openssl s_server without Extended Master Secret, and accepts it with") {
  if (!have_openssl()) {
    MESSAGE("openssl not installed; skipped");
    return;
  }
  Files files;
  auto with = client_against_s_server(files, "");
  CHECK_MESSAGE(with.connected, with.detail);
  auto without = client_against_s_server(files, files.dir + "/no-ems.cnf");
  CHECK_FALSE(without.connected);
  CHECK(without.closed);
  CHECK(without.detail == "the server does not use Extended Master Secret (RFC 7627)");
}

TEST_CASE("openssl s_client without Extended Master Secret is refused by our server") {
  if (!have_openssl()) {
    MESSAGE("openssl not installed; skipped");
    return;
  }
  Files files;
  asio::io_context io;
  gs::net::UdpEndpoint udp(io, gs::net::Address::loopback_v4(0));
  ServerGlue glue;
  glue.udp = &udp;
  gs::dtls::ServerConfig config;
  config.certificate_pem = files.cert.certificate_pem;
  config.private_key_pem = files.cert.private_key_pem;
  gs::dtls::Server server(config, glue, gs::dtls::Clock::now());
  udp.start([&](const gs::net::Address& from, std::span<const std::uint8_t> d) {
    server.receive(from, d, gs::dtls::Clock::now());
  });
  // s_client retransmits its hello for a while; `timeout` ends it after 4 s.
  pid_t child = spawn({"timeout", "4", "openssl", "s_client", "-dtls1_2", "-connect",
                       "127.0.0.1:" + std::to_string(udp.local_address().port()), "-quiet"},
                      files.dir + "/no-ems.cnf", files.dir + "/out.txt");
  int status = 0;
  run_until(
      io, [&] { return ::waitpid(child, &status, WNOHANG) == child; }, 10s);
  stop(child);
  MESSAGE("refused " << server.stats().refused_no_ems << " hellos without EMS");
  CHECK(server.stats().refused_no_ems >= 1);
  CHECK(server.stats().hello_verify_sent == 0);
  CHECK(server.stats().cookies_accepted == 0);
  CHECK(server.established_count() == 0);
}
