#include "support/deployment.hpp"

#include <unistd.h>
#include <fstream>

#include <doctest/doctest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include "config/load.hpp"
#include "roles/common/dev_keys.hpp"

namespace gs::test {

std::uint16_t free_udp_port() {
  asio::io_context io;
  asio::ip::udp::socket socket(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return socket.local_endpoint().port();
}

std::uint16_t free_tcp_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

Deployment::Deployment(const std::string& tag) {
  static int counter = 0;
  dir = std::filesystem::temp_directory_path() /
        ("gameserver-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto& c = config;
  c.file = dir / "gameserver.yaml";
  c.roles = {"auth", "gateway", "world"};
  c.development = true;
  c.log.level = spdlog::level::warn;
  c.workers.threads = 2;
  // Every test client comes from 127.0.0.1, many at once: the per-source tests set
  // their own limits (and flood from 127.0.0.2).
  c.per_source.max_half_open = 10'000;
  c.per_source.max_unauthenticated = 100'000;
  c.tls = {dir / "keys/dtls.crt", dir / "keys/dtls.key", dir / "keys/dtls.crt"};
  auto auth_port = free_udp_port();
  c.auth.listen = {"127.0.0.1", auth_port};
  c.auth.database = dir / "accounts.db";
  c.auth.token_key = dir / "keys/token.key";
  // The cheapest Argon2id libsodium allows: tests check behaviour, not cost.
  c.auth.password_ops_limit = 1;
  c.auth.password_memory = 8192;
  // Every test client logs in from 127.0.0.1, one address group: let it use the whole
  // pool, as many players at many addresses would (fairness is tested in tests/roles).
  c.auth.max_hashes_per_address = c.auth.max_hashes_in_flight;
  c.auth.peers = {{"gateway", "gateway-1", dir / "keys/gateway-auth.secret"},
                  {"world", "world-1", dir / "keys/world-auth.secret"}};
  c.gateway.listen = {"127.0.0.1", free_udp_port()};
  c.gateway.auth = {c.auth.listen};
  c.gateway.auth_secret = dir / "keys/gateway-auth.secret";
  auto world_port = free_udp_port();
  c.world.listen = {"127.0.0.1", world_port};
  c.world.public_address = c.world.listen;
  c.world.auth = {c.auth.listen};
  c.world.auth_secret = dir / "keys/world-auth.secret";
  c.world.token_keys = {dir / "keys/token.pub"};
  c.world.report_interval = std::chrono::milliseconds(200);
  // The arena, as etc/gameserver.yaml runs it: movement, snapshots and chat.
  c.world.game.module = arena_module();
  roles::ensure_development_keys(c);
}

Deployment::~Deployment() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

dtls::GeneratedCertificate Deployment::use_test_ca(const dtls::CertificateRequest& names) {
  auto ca = dtls::generate_self_signed({"gameserver-test-ca", {}, 30});
  auto cert = dtls::issue_certificate(names, ca);
  config.tls.trust = dir / "keys/ca.crt";
  config.tls.certificate = dir / "keys/issued.crt";
  config.tls.private_key = dir / "keys/issued.key";
  std::ofstream(config.tls.trust) << ca.certificate_pem;
  std::ofstream(config.tls.certificate) << cert.certificate_pem;
  std::ofstream(config.tls.private_key) << cert.private_key_pem;
  std::filesystem::permissions(config.tls.private_key,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  return ca;
}

std::filesystem::path Deployment::write_config(const std::string& name, const std::string& extra) const {
  auto path = dir / name;
  std::ofstream(path) << extra << config::to_yaml(config);
  return path;
}

std::unique_ptr<Process> start_role(Deployment& d, const std::string& role, bool admin_endpoint) {
  auto config = d.config;
  config.roles = {role};
  config.development = false;
  config.log.level = spdlog::level::info;
  if (admin_endpoint) config.admin.listen = {"127.0.0.1", free_tcp_port()};
  auto saved = d.config;
  d.config = config;
  auto path = d.write_config(role + ".yaml");
  d.config = saved;
  auto process =
      std::make_unique<Process>(gameserver_binary(), std::vector<std::string>{"--config", path.string()});
  REQUIRE(process->wait_for(role + " listening on", std::chrono::seconds(10)));
  return process;
}

}  // namespace gs::test
