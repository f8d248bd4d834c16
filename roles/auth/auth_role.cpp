#include "auth/auth_role.hpp"

#include <fmt/format.h>

#include "common/tls_setup.hpp"
#include "crypto/secret.hpp"
#include "session/codec.hpp"

namespace gs::roles {

using session::decode;
using session::encode;

namespace {

Clock clock_now() {
  return {std::chrono::steady_clock::now(),
          std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
}

}  // namespace

AuthRole::AuthRole(const config::Config& config, RoleContext& context)
    : config_(config), context_(context), worlds_(config.auth.world_timeout) {}

AuthRole::~AuthRole() { *alive_ = false; }

const crypto::secret_buffer* AuthRole::secret_for(std::string_view role, std::string_view id) const {
  auto it = secrets_.find({std::string(role), std::string(id)});
  return it == secrets_.end() ? nullptr : &it->second;
}

void AuthRole::start() {
  const auto& auth = config_.auth;
  try {
    for (const auto& peer : auth.peers) secrets_[{peer.role, peer.id}] = crypto::read_secret_file(peer.secret);
    accounts_ = std::make_unique<store::account_store>(auth.database);
    hasher_ = std::make_unique<store::password_hasher>(
        store::pwhash_params{auth.password_ops_limit, static_cast<std::size_t>(auth.password_memory)});
    throttle_ = std::make_unique<store::login_throttle>(store::throttle_limits{
        auth.max_failures_per_account, auth.max_failures_per_address,
        std::chrono::duration_cast<std::chrono::seconds>(auth.failure_window), 100'000});
    auto key = crypto::read_private_key_file(auth.token_key);
    auto kid = crypto::default_kid(key.public_key());
    signer_ = std::make_unique<crypto::token_signer>(auth.id, kid, std::move(key));
  } catch (const StartError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartError(fmt::format("auth: {}", e.what()));
  }
  logins_ = std::make_unique<LoginService>(
      *accounts_, *hasher_, *throttle_, *signer_, worlds_,
      LoginService::Settings{auth.max_hashes_in_flight,
                             std::chrono::duration_cast<std::chrono::seconds>(auth.token_ttl)},
      LoginService::pool_runner(context_.workers, context_.io, alive_));
  try {
    host_ = std::make_unique<peers::PeerHost>(context_.io, listening_host("auth", config_, auth.listen, context_.io),
                                              session::SessionConfig{}, static_cast<session::SessionEvents&>(*this),
                                              static_cast<peers::PeerObserver&>(*this));
  } catch (const StartError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartError(fmt::format("auth: cannot listen on {}: {}", auth.listen.to_string(), e.what()));
  }
  context_.log->info("auth listening on {} (token key id {})", host_->transport().local_address().to_string(),
                     signer_->kid());
}

void AuthRole::stop(std::function<void()> done) {
  if (host_) host_->shutdown();
  done();
}

void AuthRole::on_peer_added(peers::Peer& peer) {
  links_.emplace(&peer.session(),
                 Link{session::LinkAuth{session::LinkAuth::Side::responder, {"auth", config_.auth.id},
                                        [this](std::string_view role, std::string_view id) {
                                          return secret_for(role, id);
                                        }},
                      peer.id()});
}

void AuthRole::on_peer_removed(peers::Peer& peer, transport::CloseReason reason, std::string_view) {
  auto it = links_.find(&peer.session());
  if (it == links_.end()) return;
  if (auto who = it->second.auth.peer(); who && peer.session().entered(session::State::connected) != session::Time{}) {
    context_.log->info("{} {} unlinked ({})", who->role, who->id, transport::to_string(reason));
    if (who->role == "world") worlds_.remove(who->id);
  }
  links_.erase(it);
}

void AuthRole::on_authenticating(session::Session& session, session::Time now) {
  if (auto it = links_.find(&session); it != links_.end()) it->second.auth.start(session, now);
}

void AuthRole::on_auth_data(session::Session& session, std::span<const std::uint8_t> data, session::Time now) {
  if (auto it = links_.find(&session); it != links_.end()) it->second.auth.on_auth_data(session, data, now);
}

void AuthRole::on_connected(session::Session& session, session::Time) {
  auto it = links_.find(&session);
  if (it == links_.end()) return;
  const auto& who = *it->second.auth.peer();
  context_.log->info("{} {} linked", who.role, who.id);
}

void AuthRole::on_authentication_failed(session::Session& session, std::string_view reason, session::Time) {
  auto* peer = host_->find(session);
  context_.log->warn("link from {} refused: {}", peer ? peer->address().to_string() : "?", reason);
}

void AuthRole::on_message(session::Session& session, std::uint8_t type, std::span<const std::byte> message,
                          session::Time now) {
  auto it = links_.find(&session);
  if (it == links_.end()) return;
  const auto& who = *it->second.auth.peer();
  if (type == protocol::Authenticate::type && who.role == "gateway") {
    auto request = decode<protocol::Authenticate>(message);
    if (!request) return;
    auto id = it->second.id;
    logins_->authenticate(std::move(*request), clock_now(), [this, id, alive = alive_](protocol::AuthResult result) {
      if (!*alive) return;
      // The gateway may have gone while the hash ran.
      if (auto* peer = host_->find(id)) peer->session().send(protocol::lane_control, encode(result));
    });
    return;
  }
  if (type == protocol::WorldReport::type && who.role == "world") {
    auto report = decode<protocol::WorldReport>(message);
    // A world speaks only for itself.
    if (!report || report->id != who.id) return;
    worlds_.report(report->id, report->address, report->capacity, report->players, now);
    return;
  }
}

void AuthRole::on_closed(session::Session&, session::EndReason, session::Time) {}

}  // namespace gs::roles
