#include "world/world_role.hpp"

#include <fmt/format.h>

#include "common/tls_setup.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/token_signer.hpp"
#include "session/codec.hpp"

namespace gs::roles {

WorldRole::WorldRole(const config::Config& config, RoleContext& context)
    : config_(config), context_(context), tick_timer_(context.io), report_timer_(context.io) {}

WorldRole::~WorldRole() { *alive_ = false; }

void WorldRole::start() {
  const auto& world = config_.world;
  crypto::token_key_set keys;
  crypto::secret_buffer secret;
  try {
    for (const auto& file : world.token_keys) {
      auto key = crypto::read_public_key_file(file);
      keys.emplace(crypto::default_kid(key), key);
    }
    secret = crypto::read_secret_file(world.auth_secret);
  } catch (const std::exception& e) {
    throw StartError(fmt::format("world: {} (world.token_keys, world.auth_secret)", e.what()));
  }
  crypto::token_verifier_config verify;
  verify.audience = world.id;
  verify.leeway = std::chrono::duration_cast<std::chrono::seconds>(world.token_leeway);
  verifier_ = std::make_unique<crypto::token_verifier>(verify, std::move(keys));

  WorldService::Settings settings;
  settings.id = world.id;
  settings.game = config_.game;
  settings.capacity = world.capacity;
  settings.tick_rate = world.tick_rate;
  service_ = std::make_unique<WorldService>(settings, [this](std::string_view token) {
    return verifier_->verify(token, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  });

  transport::HostOptions link_options;
  link_options.client = client_tls("world", config_);
  link_options.channel = peers::channel_config(config_.channel);
  auth_ = std::make_unique<AuthLink>(context_.io, context_.log, AuthLink::Settings{"world", world.id, world.auth},
                                     std::move(secret), std::move(link_options),
                                     AuthLink::Callbacks{[this] { report(); }, {}, {}});

  auto options = listening_host("world", config_, world.listen, context_.io);
  try {
    clients_ = std::make_unique<peers::PeerHost>(context_.io, std::move(options), session::SessionConfig{}, *service_,
                                                 static_cast<peers::PeerObserver&>(*this));
  } catch (const std::exception& e) {
    throw StartError(fmt::format("world: cannot listen on {}: {}", world.listen.to_string(), e.what()));
  }
  context_.log->info("world listening on {} (id {}, capacity {})", clients_->transport().local_address().to_string(),
                     world.id, world.capacity);
  auth_->start();
  next_tick_ = std::chrono::steady_clock::now();
  tick();
  report();
}

void WorldRole::stop(std::function<void()> done) {
  tick_timer_.cancel();
  report_timer_.cancel();
  if (clients_) clients_->shutdown();
  if (auth_) auth_->stop();
  done();
}

// Fixed-rate ticks: each deadline follows the previous one, not the wake-up time,
// so the rate holds on average even when a wake-up is late.
void WorldRole::tick() {
  auto now = std::chrono::steady_clock::now();
  if (now >= next_tick_) {
    service_->tick(now);
    next_tick_ += service_->tick_interval();
    if (next_tick_ < now) next_tick_ = now + service_->tick_interval();  // far behind: skip, don't burst
  }
  tick_timer_.expires_at(next_tick_);
  tick_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!ec && *alive) tick();
  });
}

void WorldRole::report() {
  protocol::WorldReport r;
  r.id = config_.world.id;
  r.address = config_.world.public_address.to_string();
  r.capacity = config_.world.capacity;
  r.players = service_->players();
  auth_->send(session::encode(r));
  report_timer_.expires_after(config_.world.report_interval);
  report_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!ec && *alive) report();
  });
}

void WorldRole::on_peer_added(peers::Peer& peer) { service_->add_client(peer.session(), session::Time::clock::now()); }

void WorldRole::on_peer_removed(peers::Peer& peer, transport::CloseReason, std::string_view) {
  service_->remove_client(peer.session());
}

}  // namespace gs::roles
