#pragma once
// The world role: the DTLS listener for players wired to the world service, the
// tick timer, and the link to auth that carries load reports.

#include <memory>

#include <asio/steady_timer.hpp>

#include "common/auth_link.hpp"
#include "config/config.hpp"
#include "crypto/token_verifier.hpp"
#include "peers/peer_host.hpp"
#include "runtime/role.hpp"
#include "world/world_service.hpp"

namespace gs::roles {

class WorldRole final : public Role, private peers::PeerObserver {
 public:
  WorldRole(const config::Config& config, RoleContext& context);
  ~WorldRole() override;

  std::string_view name() const override { return "world"; }
  void start() override;
  void stop(std::function<void()> done) override;

  const WorldService& service() const { return *service_; }

 private:
  void on_peer_added(peers::Peer& peer) override;
  void on_peer_removed(peers::Peer& peer, transport::CloseReason reason, std::string_view detail) override;
  void tick();
  void report();

  const config::Config& config_;
  RoleContext context_;
  std::unique_ptr<crypto::token_verifier> verifier_;
  std::unique_ptr<WorldService> service_;
  std::unique_ptr<peers::PeerHost> clients_;
  std::unique_ptr<AuthLink> auth_;
  asio::steady_timer tick_timer_;
  asio::steady_timer report_timer_;
  std::chrono::steady_clock::time_point next_tick_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gs::roles
