// Readiness for systemd Type=notify units: the server sends READY=1 to
// $NOTIFY_SOCKET once its roles have started, and tells nothing to no one without it.

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin/notify.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;

namespace {

// A datagram socket at `path`, standing in for systemd's notify socket.
struct NotifySocket {
  int fd = -1;
  std::string path;
  explicit NotifySocket(std::string p) : path(std::move(p)) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(address.sun_path));
    path.copy(address.sun_path, path.size());
    ::unlink(path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~NotifySocket() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::optional<std::string> receive(std::chrono::milliseconds timeout) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buffer[512];
    auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }
};

}  // namespace

TEST_CASE("notify_service_manager sends to the socket in NOTIFY_SOCKET, and nowhere without it") {
  gs::test::Deployment d("notify-unit");
  NotifySocket socket((d.dir / "notify").string());
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(gs::admin::notify_service_manager("READY=1"));
  ::setenv("NOTIFY_SOCKET", socket.path.c_str(), 1);
  CHECK(gs::admin::notify_service_manager("READY=1\nSTATUS=up"));
  CHECK(socket.receive(1s) == "READY=1\nSTATUS=up");
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(gs::admin::notify_service_manager("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("the server reports READY=1 once its roles have started") {
  gs::test::Deployment d("notify-run");
  d.config.admin.listen = {"127.0.0.1", 0};
  d.config.log.level = spdlog::level::info;
  auto config = d.write_config();
  NotifySocket socket((d.dir / "notify").string());
  ::setenv("NOTIFY_SOCKET", socket.path.c_str(), 1);
  gs::test::Process server(gs::test::gameserver_binary(), {"--config", config.string(), "--role", "auth"});
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(socket.receive(10s) == "READY=1");
  CHECK(server.wait_for("admin endpoint on http://127.0.0.1:", 5s));
  server.signal(SIGTERM);
  CHECK(server.wait(5s) == 0);
}
