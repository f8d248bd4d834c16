#pragma once
// What a SIGHUP re-reads for a role that listens for players and links to auth (a
// gateway or a world): its DTLS certificate, the certificates it trusts for the auth
// links, and its link secret. Read all at once, before anything changes, then swapped
// in by apply(), where the certificate goes first because it alone can refuse.

#include <filesystem>
#include <memory>
#include <string_view>

#include "config/config.hpp"
#include "crypto/secret.hpp"
#include "dtls/client.hpp"
#include "dtls/server.hpp"
#include "roles/common/auth_links.hpp"
#include "transport/host.hpp"

namespace gs::roles {

struct LinkedRoleKeys {
  crypto::SecretBuffer link_secret;
  std::shared_ptr<const dtls::ClientContext> trust;
  dtls::ServerConfig tls;

  // Throws std::runtime_error (or StartError) naming the file that does not load.
  static LinkedRoleKeys read(std::string_view role, const config::Config& fresh,
                             const std::filesystem::path& link_secret_file);

  // New handshakes present the new certificate (throws, changing nothing, when it does
  // not load); the links' next authentication and connection use the new secret and
  // trust. Established connections carry on.
  void apply(transport::Host& listening, AuthLinks& links);
};

}  // namespace gs::roles
