#include "roles/common/tls_setup.hpp"

#include <fmt/format.h>

#include "peers/peer_host.hpp"
#include "runtime/role.hpp"

namespace gs::roles {

dtls::ServerConfig server_tls(std::string_view role, const config::Config& config) {
  dtls::ServerConfig tls;
  try {
    tls.certificate_pem = peers::read_text_file(config.tls.certificate);
    tls.private_key_pem = peers::read_text_file(config.tls.private_key);
  } catch (const std::exception& e) {
    throw StartError(fmt::format("{}: {} (tls.certificate, tls.private_key; `gameserver keygen` writes them)",
                                 role, e.what()));
  }
  return tls;
}

std::shared_ptr<const dtls::ClientContext> client_tls(std::string_view role, const config::Config& config) {
  dtls::ClientConfig tls;
  tls.ca_file = config.tls.trust.string();
  tls.server_name = config.tls.server_name;  // empty: each link checks the host it dials
  // Role links resend a handshake flight at least every second (not the default 2 s
  // ceiling): a dial begun while auth is down then sees its return within a second.
  tls.retransmit_max = std::chrono::seconds(1);
  try {
    (void)peers::read_text_file(config.tls.trust);
    return std::make_shared<const dtls::ClientContext>(tls);
  } catch (const std::exception& e) {
    throw StartError(fmt::format("{}: {} (tls.trust)", role, e.what()));
  }
}

transport::HostOptions listening_host(std::string_view role, const config::Config& config,
                                      const Endpoint& listen, asio::io_context& io) {
  transport::HostOptions options;
  auto address = peers::resolve(io, listen);
  if (!address)
    throw StartError(
        fmt::format("{}: cannot listen on {}: the name does not resolve", role, listen.to_string()));
  options.listen = *address;
  options.server = server_tls(role, config);
  options.server->max_half_open_per_source = config.per_source.max_half_open;
  options.server->max_half_open = config.tls.max_half_open;
  options.server->handshake_timeout = config.tls.handshake_timeout;
  options.server->cookie_rotation = config.tls.cookie_rotation;
  options.server->retransmit_initial = config.tls.retransmit_initial;
  options.server->retransmit_max = config.tls.retransmit_max;
  options.channel = peers::channel_config(config.channel);
  return options;
}

}  // namespace gs::roles
