#pragma once
// DTLS settings of a role from the typed config: its certificate for listening, the
// certificates it trusts when connecting to another role.

#include <memory>

#include "config/config.hpp"
#include "dtls/client.hpp"
#include "dtls/server.hpp"
#include "transport/host.hpp"

namespace gs::roles {

// Throws StartError naming `role` and the unreadable file.
dtls::ServerConfig server_tls(std::string_view role, const config::Config& config);
std::shared_ptr<const dtls::ClientContext> client_tls(std::string_view role, const config::Config& config);

// Host options for a listening role (server_tls + channel settings + address).
transport::HostOptions listening_host(std::string_view role, const config::Config& config,
                                      const Endpoint& listen, asio::io_context& io);

}  // namespace gs::roles
