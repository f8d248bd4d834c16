#pragma once
// The gateway role: the public DTLS listener for clients, wired to the gateway
// service, plus the authenticated link to auth.

#include <map>
#include <memory>

#include <asio/steady_timer.hpp>

#include "admin/metrics.hpp"
#include "admin/peer_metrics.hpp"
#include "config/config.hpp"
#include "peers/peer_host.hpp"
#include "roles/common/auth_links.hpp"
#include "roles/common/link_drops.hpp"
#include "roles/gateway/gateway_service.hpp"
#include "runtime/role.hpp"

namespace gs::roles {

class GatewayRole final : public Role, public admin::MetricsSource, private peers::PeerObserver {
 public:
  GatewayRole(const config::Config& config, RoleContext& context);
  ~GatewayRole() override;

  std::string_view name() const override { return "gateway"; }
  void start() override;
  void stop(std::function<void()> done) override;
  bool reload(const config::Config& fresh) override;

  const GatewayService& service() const { return service_; }

  // admin::MetricsSource: ready once listening with the auth link up.
  void collect(admin::MetricsWriter& out) override;
  admin::Health health() const override;

 private:
  void on_peer_added(peers::Peer& peer) override;
  void on_peer_removed(peers::Peer& peer, const End& end) override;
  // A message from auth over link `link`: only AuthResult, anything else is counted and dropped.
  void on_auth_message(std::size_t link, std::uint8_t type, std::span<const std::byte> message);
  void arm_timer();

  const config::Config& config_;
  RoleContext context_;
  GatewayService service_;
  std::unique_ptr<peers::PeerHost> clients_;
  std::unique_ptr<AuthLinks> auth_;
  std::map<std::string, unsigned> per_address_;
  std::uint64_t clients_refused_per_address_ = 0;  // over gateway.max_clients_per_address
  admin::PeerMetrics peer_metrics_;
  LinkDrops link_drops_;  // messages from auth dropped
  std::uint64_t next_client_id_ = 1;
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gs::roles
