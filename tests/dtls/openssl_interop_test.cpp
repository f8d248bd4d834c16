// OpenSSL's s_client completes a DTLS 1.2 handshake, cookie exchange included, with our
// server on a real UDP socket, and exchanges application data with it.
#include "dtls/certgen.hpp"
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

using namespace std::chrono_literals;

namespace {

struct Glue : gs::dtls::ServerHandler {
  gs::net::UdpEndpoint* udp = nullptr;
  gs::dtls::Server* server = nullptr;
  int client_stdin = -1;
  bool accepted = false;
  bool echoed = false;
  std::string received;

  void on_transmit(const gs::net::Address& to, std::span<const std::uint8_t> d) override { udp->send(to, d); }
  void on_accepted(gs::dtls::PeerId, const gs::net::Address&) override {
    accepted = true;
    const char line[] = "ping from s_client\n";
    (void)!::write(client_stdin, line, sizeof(line) - 1);  // s_client sends it as data
  }
  void on_data(gs::dtls::PeerId peer, std::span<const std::uint8_t> d) override {
    received.append(d.begin(), d.end());
    if (!echoed && received.find('\n') != std::string::npos) {
      const std::string reply = "pong from gameserver\n";
      server->send(peer, std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()));
      server->close(peer);  // close_notify makes s_client exit
      echoed = true;
    }
  }
  void on_closed(gs::dtls::PeerId, const gs::End&) override {}
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Keeps `server`'s retransmission and timeout timer running on the loop.
struct ServerTimer {
  asio::steady_timer timer;
  gs::dtls::Server& server;
  void arm() {
    timer.expires_at(server.next_wakeup());
    timer.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      server.update(gs::dtls::Clock::now());
      arm();
    });
  }
};

// Forks `openssl s_client` against 127.0.0.1:`port`, reading its stdin from `in_pipe`,
// writing its stdout and stderr to `out_path`.
pid_t spawn_s_client(const int in_pipe[2], const std::string& port, const std::string& ca_path,
                     const std::string& out_path) {
  pid_t child = ::fork();
  if (child != 0) return child;
  ::dup2(in_pipe[0], 0);
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(out, 1);
  ::dup2(out, 2);
  ::close(in_pipe[1]);
  ::execlp("openssl", "openssl", "s_client", "-dtls1_2", "-connect", ("127.0.0.1:" + port).c_str(), "-CAfile",
           ca_path.c_str(), "-verify_return_error", "-verify_hostname", "localhost", "-quiet",
           static_cast<char*>(nullptr));
  ::_exit(127);
}

// Runs the loop until `child` exits or 15 s pass (then kills it); whether it exited.
bool run_until_exit(asio::io_context& io, pid_t child) {
  asio::steady_timer poll(io);
  int status = -1;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  std::function<void()> check = [&] {
    poll.expires_after(20ms);
    poll.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      if (::waitpid(child, &status, WNOHANG) == child) exited = true;
      if (exited || std::chrono::steady_clock::now() > deadline) {
        io.stop();
        return;
      }
      check();
    });
  };
  check();
  io.run();
  if (!exited) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  return exited;
}

}  // namespace

TEST_CASE("openssl s_client -dtls1_2 completes a handshake with cookie exchange") {
  if (std::system("openssl version > /dev/null 2>&1") != 0) {
    MESSAGE("openssl not installed; skipped");
    return;
  }
  auto cert = gs::dtls::generate_self_signed({"localhost", {"localhost"}, 1});
  char dir_template[] = "/tmp/dtls-interop-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string ca_path = dir + "/ca.pem";
  const std::string out_path = dir + "/out.txt";
  std::ofstream(ca_path) << cert.certificate_pem;

  asio::io_context io;
  gs::net::UdpEndpoint udp(io, gs::net::Address::loopback_v4(0));
  Glue glue;
  gs::dtls::ServerConfig cfg;
  cfg.certificate_pem = cert.certificate_pem;
  cfg.private_key_pem = cert.private_key_pem;
  gs::dtls::Server server(cfg, glue, gs::dtls::Clock::now());
  glue.udp = &udp;
  glue.server = &server;

  ServerTimer timer{asio::steady_timer(io), server};
  udp.start([&](const gs::net::Address& from,
                std::span<const std::uint8_t> d) { server.receive(from, d, gs::dtls::Clock::now()); },
            [&] { timer.arm(); });
  timer.arm();

  int in_pipe[2];
  REQUIRE(::pipe(in_pipe) == 0);
  glue.client_stdin = in_pipe[1];
  pid_t child = spawn_s_client(in_pipe, std::to_string(udp.local_address().port()), ca_path, out_path);
  REQUIRE(child >= 0);
  ::close(in_pipe[0]);

  const bool exited = run_until_exit(io, child);
  ::close(in_pipe[1]);
  const std::string output = read_file(out_path);
  std::remove(ca_path.c_str());
  std::remove(out_path.c_str());
  ::rmdir(dir.c_str());

  MESSAGE("s_client output:\n" << output);
  CHECK(exited);
  CHECK(glue.accepted);
  CHECK(server.stats().hello_verify_sent >= 1);
  CHECK(server.stats().cookies_accepted == 1);
  CHECK(server.stats().handshakes_completed == 1);
  CHECK(glue.received.find("ping from s_client") != std::string::npos);
  CHECK(output.find("pong from gameserver") != std::string::npos);
}
