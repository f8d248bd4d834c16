#pragma once
// The world role: the DTLS listener for players wired to the world service, the
// tick timer, and the link to auth that carries load reports.

#include <map>
#include <memory>
#include <string>

#include <asio/steady_timer.hpp>

#include "admin/metrics.hpp"
#include "admin/peer_metrics.hpp"
#include "config/config.hpp"
#include "crypto/token_verifier.hpp"
#include "game/game_host.hpp"
#include "game/module_loader.hpp"
#include "peers/peer_host.hpp"
#include "roles/common/auth_links.hpp"
#include "roles/common/link_drops.hpp"
#include "roles/world/world_service.hpp"
#include "runtime/role.hpp"

namespace gs::roles {

class WorldRole final : public Role, public admin::MetricsSource, private peers::PeerObserver {
 public:
  WorldRole(const config::Config& config, RoleContext& context);
  ~WorldRole() override;

  std::string_view name() const override { return "world"; }
  void start() override;
  void stop(std::function<void()> done) override;
  bool reload(const config::Config& fresh) override;

  const WorldService& service() const { return *service_; }

  // admin::MetricsSource: ready once listening with the auth link up. The longest
  // tick is reported per scrape (reset by each collect).
  void collect(admin::MetricsWriter& out) override;
  admin::Health health() const override;

 private:
  void on_peer_added(peers::Peer& peer) override;
  void on_peer_removed(peers::Peer& peer, const End& end) override;
  void tick();
  void report();
  protocol::WorldReport make_report() const;
  // A link to auth came up: the world's report and every seat held now.
  // Loads world.game.module and starts it; a ModuleError becomes a StartError (exit 3).
  void start_game();
  void link_up(std::size_t link);
  // A message from auth over link `link`: only Unseat, anything else is counted and dropped.
  void on_auth_message(std::size_t link, std::uint8_t type, std::span<const std::byte> message);

  const config::Config& config_;
  RoleContext context_;
  std::unique_ptr<crypto::TokenVerifier> verifier_;
  std::unique_ptr<game::LoadedModule> module_;  // outlives everything that may call it
  std::unique_ptr<WorldService> service_;
  std::unique_ptr<peers::PeerHost> clients_;
  std::unique_ptr<AuthLinks> auth_;
  asio::steady_timer tick_timer_;
  asio::steady_timer report_timer_;
  std::chrono::steady_clock::time_point next_tick_{};
  admin::PeerMetrics peer_metrics_;
  LinkDrops link_drops_;  // messages from auth dropped
  std::chrono::steady_clock::duration tick_last_{};
  std::chrono::steady_clock::duration tick_max_{};  // since the last collect
  std::uint64_t tokens_accepted_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> tokens_rejected_;  // by reason
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  std::unique_ptr<game::GameHost> game_;  // destroyed first: the game stops before the rest goes
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gs::roles
