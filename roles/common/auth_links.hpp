#pragma once
// The links from a gateway or world to every auth server it lists (`gateway.auth`,
// `world.auth`): auth failover. Every link is kept up on its own, reconnecting with
// backoff, so a standby auth is linked and ready the moment the preferred one fails,
// and a returning one is found within about a second.
//
// Gateways send each login over the preferred link: the first in list order that is
// up. When the first auth returns, new logins go back to it (the list is the
// operator's order of preference, and placement then never depends on history);
// logins already sent stay where they went. Worlds report to every link, so every
// auth knows every world.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "admin/metrics.hpp"
#include "roles/common/auth_link.hpp"

namespace gs::roles {

class AuthLinks {
 public:
  struct Callbacks {
    std::function<void(std::size_t link)> up;
    std::function<void(std::size_t link)> down;
    std::function<void(std::size_t link, std::uint8_t type, std::span<const std::byte> message)> message;
  };

  // One link per address in `auth` (at least one), each with a copy of `secret`.
  AuthLinks(asio::io_context& io, std::shared_ptr<spdlog::logger> log, std::string role, std::string id,
            const std::vector<Endpoint>& auth, const crypto::SecretBuffer& secret,
            const transport::HostOptions& options, const session::SessionConfig& session,
            Callbacks callbacks);

  void start();
  void stop();

  std::size_t size() const { return links_.size(); }
  const Endpoint& address(std::size_t link) const { return addresses_[link]; }
  bool up(std::size_t link) const { return links_[link]->up(); }
  bool any_up() const { return preferred().has_value(); }
  // The first link in list order that is up: where logins go.
  std::optional<std::size_t> preferred() const;

  // Sends over the preferred link; which one, or nullopt when none is up.
  std::optional<std::size_t> send_preferred(std::span<const std::byte> message);
  bool send(std::size_t link, std::span<const std::byte> message) { return links_[link]->send(message); }
  // Sends over every link that is up; how many.
  std::size_t send_all(std::span<const std::byte> message);

  // Key rotation: new link authentications prove this secret, new connections trust
  // these certificates; links that are up stay up.
  void set_secret(const crypto::SecretBuffer& secret);
  void set_trust(std::shared_ptr<const dtls::ClientContext> trust);

  // gameserver_auth_link_up (1 while any link is up), and per auth server
  // gameserver_auth_server_up, gameserver_auth_server_preferred and the link's RTT.
  void collect(admin::MetricsWriter& out) const;
  // "auth link to A down" for health, naming every listed address.
  std::string describe_down(std::string_view role) const;
  // Times the preferred link moved to another auth server.
  std::uint64_t preference_changes() const { return preference_changes_; }

 private:
  void changed();

  std::shared_ptr<spdlog::logger> log_;
  std::string role_;
  std::vector<Endpoint> addresses_;
  std::vector<std::unique_ptr<AuthLink>> links_;
  Callbacks callbacks_;
  std::optional<std::size_t> last_preferred_;
  std::uint64_t preference_changes_ = 0;
};

}  // namespace gs::roles
