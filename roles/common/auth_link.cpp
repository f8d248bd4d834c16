#include "roles/common/auth_link.hpp"

#include <algorithm>

#include "protocol/messages.hpp"

namespace gs::roles {

AuthLink::AuthLink(asio::io_context& io, std::shared_ptr<spdlog::logger> log, Settings settings,
                   crypto::SecretBuffer secret, transport::HostOptions options, Callbacks callbacks)
    : io_(io),
      log_(std::move(log)),
      settings_(std::move(settings)),
      secret_(std::move(secret)),
      callbacks_(std::move(callbacks)),
      retry_(io) {
  host_ = std::make_unique<peers::PeerHost>(io, std::move(options), settings_.session,
                                            static_cast<session::SessionEvents&>(*this),
                                            static_cast<peers::PeerObserver&>(*this));
}

AuthLink::~AuthLink() {
  stopped_ = true;
  retry_.cancel();
}

void AuthLink::start() { dial(); }

void AuthLink::stop() {
  stopped_ = true;
  retry_.cancel();
  if (peer_) peer_->session().close(/*flush=*/true, session::Time::clock::now());
  host_->shutdown();
}

bool AuthLink::send(std::span<const std::byte> message) {
  if (!up_ || !peer_) return false;
  return peer_->session().send(0, message);
}

void AuthLink::dial() {
  if (stopped_) return;
  auto address = peers::resolve(io_, settings_.auth);
  if (!address) {
    last_failure_ = "the name does not resolve";
    return retry_later();
  }
  // A CA-issued auth certificate must name the host dialed (or tls.server_name).
  connection_ = host_->connect(*address, settings_.auth.host);
  if (connection_ == 0) {
    last_failure_ = "cannot open a socket";
    retry_later();
  }
}

// Exponential backoff with jitter: 200ms, 400ms, ... up to backoff_max, each
// scaled by a random 50..100% so that many gateways do not return in lockstep.
void AuthLink::retry_later() {
  if (stopped_) return;
  auto base = std::min<long long>(settings_.backoff_max.count(), settings_.backoff_min.count()
                                                                     << std::min(attempt_, 16u));
  ++attempt_;
  std::uniform_int_distribution<long long> spread(base / 2, base);
  auto delay = std::chrono::milliseconds(spread(jitter_));
  if (attempt_ == 1 || attempt_ % 10 == 0)
    log_->warn("auth link to {} down ({}); retrying in {} ms", settings_.auth.to_string(), last_failure_,
               delay.count());
  retry_.expires_after(delay);
  retry_.async_wait([this](const asio::error_code& ec) {
    if (!ec) dial();
  });
}

void AuthLink::went_down(std::string_view why) {
  bool was_up = up_;
  up_ = false;
  peer_ = nullptr;
  link_auth_.reset();
  last_failure_ = std::string(why);
  if (was_up) {
    log_->warn("auth link to {} lost: {}", settings_.auth.to_string(), why);
    if (callbacks_.down) callbacks_.down();
  }
  retry_later();
}

void AuthLink::on_peer_added(peers::Peer& peer) {
  peer_ = &peer;
  link_auth_.emplace(session::LinkAuth::Side::initiator, session::LinkIdentity{settings_.role, settings_.id},
                     [this](std::string_view role, std::string_view) -> const crypto::SecretBuffer* {
                       return role == "auth" ? &secret_ : nullptr;
                     });
}

void AuthLink::on_peer_removed(peers::Peer&, const End& end) { went_down(end.text()); }

void AuthLink::on_connect_failed(transport::ConnectionId, const End& end) {
  last_failure_ = end.text();
  retry_later();
}

void AuthLink::on_authenticating(session::Session& session, session::Time now) {
  if (link_auth_) link_auth_->start(session, now);
}

void AuthLink::on_auth_data(session::Session& session, std::span<const std::uint8_t> data,
                            session::Time now) {
  if (link_auth_) link_auth_->on_auth_data(session, data, now);
}

void AuthLink::on_connected(session::Session&, session::Time) {
  up_ = true;
  attempt_ = 0;
  log_->info("{} linked to auth at {}", settings_.id, settings_.auth.to_string());
  if (callbacks_.up) callbacks_.up();
}

void AuthLink::on_authentication_failed(session::Session&, std::string_view reason, session::Time) {
  log_->error("auth at {} refused the link: {} (check the link secret and auth.peers)",
              settings_.auth.to_string(), reason);
}

void AuthLink::on_message(session::Session&, std::uint8_t lane, std::uint8_t type,
                          std::span<const std::byte> message, session::Time) {
  // Role links speak on the control lane only.
  if (lane == protocol::lane_control && callbacks_.message) callbacks_.message(type, message);
}

void AuthLink::on_closed(session::Session&, const End&, session::Time) {}

}  // namespace gs::roles
