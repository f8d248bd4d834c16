#pragma once
// The auth role: accepts links from gateways and worlds (mutually authenticated),
// answers Authenticate with the login service, keeps the world directory from
// WorldReports.

#include <map>
#include <memory>
#include <optional>

#include "admin/metrics.hpp"
#include "admin/peer_metrics.hpp"
#include "common/worker_pool.hpp"
#include "config/config.hpp"
#include "peers/peer_host.hpp"
#include "roles/auth/login_service.hpp"
#include "roles/common/link_drops.hpp"
#include "runtime/role.hpp"
#include "session/link_auth.hpp"

namespace gs::roles {

class AuthRole final : public Role,
                       public admin::MetricsSource,
                       private session::SessionEvents,
                       private peers::PeerObserver {
 public:
  AuthRole(const config::Config& config, RoleContext& context);
  ~AuthRole() override;

  std::string_view name() const override { return "auth"; }
  void start() override;
  void stop(std::function<void()> done) override;
  bool reload(const config::Config& fresh) override;

  const LoginService* logins() const { return logins_.get(); }

  // admin::MetricsSource: ready once listening.
  void collect(admin::MetricsWriter& out) override;
  admin::Health health() const override;

 private:
  struct Link {
    session::LinkAuth auth;
    transport::ConnectionId id = 0;
  };

  void on_authenticating(session::Session& session, session::Time now) override;
  void on_auth_data(session::Session& session, std::span<const std::uint8_t> data,
                    session::Time now) override;
  void on_connected(session::Session& session, session::Time now) override;
  void on_authentication_failed(session::Session& session, std::string_view reason,
                                session::Time now) override;
  void on_message(session::Session& session, std::uint8_t lane, std::uint8_t type,
                  std::span<const std::byte> message, session::Time now) override;
  void on_closed(session::Session& session, const End& end, session::Time now) override;
  void on_peer_added(peers::Peer& peer) override;
  void on_peer_removed(peers::Peer& peer, const End& end) override;

  const crypto::SecretBuffer* secret_for(std::string_view role, std::string_view id) const;
  // A gateway's Authenticate, answered over its link `link` once the login is decided.
  void on_authenticate(const std::string& gateway, transport::ConnectionId link,
                       std::span<const std::byte> message);
  // A world's WorldReport: the directory follows it if it speaks for that world.
  void on_world_report(const std::string& world, std::span<const std::byte> message, session::Time now);
  // A world's SeatUpdate: the seat map follows it, and a seat it makes older goes.
  void on_seat_update(const std::string& world, std::span<const std::byte> message);
  // Tells the world holding `eviction`'s seat to give it up (Unseat), if it is linked.
  void unseat(const Eviction& eviction);

  const config::Config& config_;
  RoleContext context_;
  std::map<std::pair<std::string, std::string>, crypto::SecretBuffer> secrets_;
  std::unique_ptr<store::AccountStore> accounts_;
  // The store's one connection is used on this thread only, so that a slow or stalled
  // database never holds up the event loop. Declared after the store: it is joined
  // before the store closes.
  std::unique_ptr<WorkerPool> database_;
  std::unique_ptr<store::PasswordHasher> hasher_;
  std::unique_ptr<store::LoginThrottle> throttle_;
  std::unique_ptr<crypto::TokenSigner> signer_;
  WorldDirectory worlds_;
  SeatMap seats_;
  std::unique_ptr<LoginService> logins_;
  std::unique_ptr<peers::PeerHost> host_;
  std::map<session::Session*, Link> links_;
  admin::PeerMetrics peer_metrics_;
  LinkDrops link_drops_;  // messages from gateways and worlds dropped
  std::uint64_t links_refused_ = 0;
  std::uint64_t unseats_sent_ = 0;
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gs::roles
