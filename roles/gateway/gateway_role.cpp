#include "roles/gateway/gateway_role.hpp"

#include <fmt/format.h>

#include "crypto/secret.hpp"
#include "roles/common/linked_role_keys.hpp"
#include "roles/common/reload_metrics.hpp"
#include "roles/common/tls_setup.hpp"
#include "session/codec.hpp"

namespace gs::roles {

namespace {

std::string host_of(const net::Address& address) {
  auto text = address.to_string();
  auto colon = text.rfind(':');
  return colon == std::string::npos ? text : text.substr(0, colon);
}

}  // namespace

GatewayRole::GatewayRole(const config::Config& config, RoleContext& context)
    : config_(config),
      context_(context),
      service_({config.gateway.id, config.game, config.gateway.login_timeout},
               [this](const protocol::Authenticate& request) -> std::optional<GatewayService::Sent> {
                 if (!auth_) return std::nullopt;
                 // The encoded request holds the password: wiped once the link has its copy.
                 auto bytes = session::encode(request);
                 auto link = auth_->send_preferred(bytes);
                 crypto::wipe(bytes);
                 if (!link) return std::nullopt;
                 return GatewayService::Sent{*link};
               }),
      link_drops_(context.log),
      timer_(context.io) {}

GatewayRole::~GatewayRole() { *alive_ = false; }

void GatewayRole::start() {
  const auto& gw = config_.gateway;
  crypto::SecretBuffer secret;
  try {
    secret = crypto::read_secret_file(gw.auth_secret);
  } catch (const std::exception& e) {
    throw StartError(fmt::format("gateway: {} (gateway.auth_secret)", e.what()));
  }
  transport::HostOptions link_options;
  link_options.client = client_tls("gateway", config_);
  link_options.channel = peers::link_channel_config(config_.channel);
  link_options.impair(context_.impairment, context_.impairment_seed);
  auth_ = std::make_unique<AuthLinks>(
      context_.io, context_.log, "gateway", gw.id, gw.auth, secret, link_options,
      peers::session_config(config_.session),
      AuthLinks::Callbacks{
          {},
          [this](std::size_t link) { service_.on_auth_link_down(session::Time::clock::now(), link); },
          [this](std::size_t link, std::uint8_t type, std::span<const std::byte> m) {
            on_auth_message(link, type, m);
          }});
  auto options = listening_host("gateway", config_, gw.listen, context_.io);
  options.impair(context_.impairment, context_.impairment_seed);
  options.server->max_peers = gw.max_clients;
  try {
    clients_ = std::make_unique<peers::PeerHost>(context_.io, std::move(options),
                                                 peers::session_config(config_.session), service_,
                                                 static_cast<peers::PeerObserver&>(*this));
  } catch (const std::exception& e) {
    throw StartError(fmt::format("gateway: cannot listen on {}: {}", gw.listen.to_string(), e.what()));
  }
  clients_->limit_unauthenticated_per_source(config_.per_source.max_unauthenticated);
  context_.log->info("gateway listening on {}", clients_->transport().local_address().to_string());
  auth_->start();
  arm_timer();
}

bool GatewayRole::reload(const config::Config& fresh) {
  if (!clients_ || !auth_) return true;
  try {
    auto keys = LinkedRoleKeys::read("gateway", fresh, fresh.gateway.auth_secret);
    keys.apply(clients_->transport(), *auth_);
  } catch (const std::exception& e) {
    ++reloads_failed_;
    context_.log->error("reload failed, keeping the keys in use: {} (gateway.auth_secret, tls)", e.what());
    return false;
  }
  ++reloads_ok_;
  context_.log->info("reloaded: link secret; certificate");
  return true;
}

void GatewayRole::stop(std::function<void()> done) {
  timer_.cancel();
  if (clients_) clients_->shutdown();
  if (auth_) auth_->stop();
  done();
}

void GatewayRole::arm_timer() {
  timer_.expires_after(std::chrono::milliseconds(100));
  timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive) return;
    service_.update(session::Time::clock::now());
    arm_timer();
  });
}

void GatewayRole::on_auth_message(std::size_t link, std::uint8_t type, std::span<const std::byte> message) {
  auto from = auth_->address(link).to_string();
  if (type != protocol::AuthResult::type)
    return link_drops_.drop(LinkDrops::Reason::unexpected, type, "auth", from);
  // A result that does not decode fails nobody at once: its client reaches the login
  // timeout (gateway.login_timeout).
  if (auto result = link_drops_.decode<protocol::AuthResult>(message, "auth", from))
    service_.on_auth_result(*result, session::Time::clock::now());
}

void GatewayRole::on_peer_added(peers::Peer& peer) {
  auto host = host_of(peer.address());
  // Counted and measured like any peer, so that on_peer_removed undoes both.
  ++per_address_[host];
  peer_metrics_.added(peer);
  // Per-address limit: a refused client is closed before it can say anything, and never
  // becomes a client of the service (its session never starts).
  if (per_address_[host] > config_.gateway.max_clients_per_address) {
    ++clients_refused_per_address_;
    peer.close(/*flush=*/false);
    return;
  }
  service_.add_client(peer.session(), next_client_id_++, host, session::Time::clock::now());
}

void GatewayRole::on_peer_removed(peers::Peer& peer, const End& end) {
  peer_metrics_.removed(*clients_, peer, end);
  service_.remove_client(peer.session());
  auto it = per_address_.find(host_of(peer.address()));
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

void GatewayRole::collect(admin::MetricsWriter& out) {
  peer_metrics_.collect(out, clients_.get());
  const auto& s = service_.stats();
  out.gauge("gameserver_gateway_clients", "Clients connected to the gateway",
            static_cast<double>(service_.clients()));
  const char* logins = "Logins the gateway answered, by result";
  out.counter("gameserver_gateway_logins_total", logins, static_cast<double>(s.logins_ok),
              {{"result", "ok"}});
  out.counter("gameserver_gateway_logins_total", logins, static_cast<double>(s.logins_failed),
              {{"result", "failed"}});
  out.counter("gameserver_gateway_logins_forwarded_total", "Login requests forwarded to auth",
              static_cast<double>(s.logins_forwarded));
  out.counter("gameserver_gateway_auth_unavailable_total", "Logins failed because the auth link was down",
              static_cast<double>(s.unavailable));
  out.counter("gameserver_gateway_login_timeouts_total",
              "Clients dropped for not finishing their login in time", static_cast<double>(s.login_timeouts));
  const char* refused = "Clients refused, by reason";
  out.counter("gameserver_gateway_clients_refused_total", refused, static_cast<double>(s.clients_refused),
              {{"reason", "hello"}});
  out.counter("gameserver_gateway_clients_refused_total", refused,
              static_cast<double>(clients_refused_per_address_), {{"reason", "per_address"}});
  out.counter("gameserver_malformed_messages_total", "Messages that failed to decode, dropped",
              static_cast<double>(s.malformed));
  if (auth_) auth_->collect(out);
  link_drops_.collect(out);
  collect_reloads(out, reloads_ok_, reloads_failed_);
}

admin::Health GatewayRole::health() const {
  if (!clients_) return {false, "gateway: not listening"};
  // Logins need one auth server; the others are standbys.
  if (!auth_ || !auth_->any_up())
    return {false, auth_ ? auth_->describe_down("gateway") : "gateway: no auth link"};
  return {true, {}};
}

}  // namespace gs::roles
