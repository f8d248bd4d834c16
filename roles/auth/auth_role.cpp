#include "roles/auth/auth_role.hpp"

#include <fmt/format.h>

#include "crypto/secret.hpp"
#include "roles/common/reload_metrics.hpp"
#include "roles/common/tls_setup.hpp"
#include "session/codec.hpp"
#include "store/open_account_store.hpp"

namespace gs::roles {

using session::decode;
using session::encode;

namespace {

Clock clock_now() {
  return {std::chrono::steady_clock::now(),
          std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
}

store::ThrottleLimits ThrottleLimits(const config::AuthConfig& auth) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  store::ThrottleLimits l;
  l.account_failures = auth.max_failures_per_account;
  l.account_failures_total = auth.max_failures_per_account_total;
  l.address_failures = auth.max_failures_per_address;
  l.window = duration_cast<seconds>(auth.failure_window);
  l.known_ttl = duration_cast<seconds>(auth.known_address_ttl);
  return l;
}

LoginService::Settings login_settings(const config::AuthConfig& auth) {
  LoginService::Settings s;
  s.max_in_flight = auth.max_hashes_in_flight;
  s.token_ttl = std::chrono::duration_cast<std::chrono::seconds>(auth.token_ttl);
  s.max_in_flight_per_address = auth.max_hashes_per_address;
  s.max_in_flight_per_gateway = auth.max_hashes_per_gateway;
  s.prefixes = {auth.throttle_prefix_v4, auth.throttle_prefix_v6};
  return s;
}

}  // namespace

AuthRole::AuthRole(const config::Config& config, RoleContext& context)
    : config_(config), context_(context), worlds_(config.auth.world_timeout), link_drops_(context.log) {}

AuthRole::~AuthRole() {
  *alive_ = false;
  // Finish the database call under way (if any) while the store is still open.
  if (database_) database_->stop();
}

const crypto::SecretBuffer* AuthRole::secret_for(std::string_view role, std::string_view id) const {
  auto it = secrets_.find({std::string(role), std::string(id)});
  // An empty secret is a peer that a reload removed.
  return it == secrets_.end() || it->second.empty() ? nullptr : &it->second;
}

void AuthRole::start() {
  const auto& auth = config_.auth;
  try {
    for (const auto& peer : auth.peers)
      secrets_[{peer.role, peer.id}] = crypto::read_secret_file(peer.secret);
    accounts_ = store::open_account_store(auth);
    database_ = std::make_unique<WorkerPool>(1);
    hasher_ = std::make_unique<store::PasswordHasher>(
        store::PwhashParams{auth.password_ops_limit, static_cast<std::size_t>(auth.password_memory)});
    throttle_ = std::make_unique<store::LoginThrottle>(ThrottleLimits(auth));
    auto key = crypto::read_private_key_file(auth.token_key);
    auto kid = crypto::default_kid(key.public_key());
    signer_ = std::make_unique<crypto::TokenSigner>(auth.id, kid, std::move(key));
  } catch (const StartError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartError(fmt::format("auth: {}", e.what()));
  }
  logins_ = std::make_unique<LoginService>(*accounts_, *hasher_, *throttle_, *signer_, worlds_,
                                           login_settings(auth),
                                           LoginService::pool_runner(*database_, context_.io, alive_),
                                           LoginService::pool_runner(context_.workers, context_.io, alive_));
  logins_->set_seats(seats_, [this](const Eviction& eviction) { unseat(eviction); });
  try {
    auto options = listening_host("auth", config_, auth.listen, context_.io);
    options.impair(context_.impairment, context_.impairment_seed);
    host_ = std::make_unique<peers::PeerHost>(
        context_.io, std::move(options), peers::session_config(config_.session),
        static_cast<session::SessionEvents&>(*this), static_cast<peers::PeerObserver&>(*this));
  } catch (const StartError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartError(fmt::format("auth: cannot listen on {}: {}", auth.listen.to_string(), e.what()));
  }
  host_->limit_unauthenticated_per_source(config_.per_source.max_unauthenticated);
  context_.log->info("auth listening on {} (token key id {})", host_->transport().local_address().to_string(),
                     signer_->kid());
}

bool AuthRole::reload(const config::Config& fresh) {
  if (!host_ || !signer_) return true;
  const auto& auth = fresh.auth;
  std::string old_kid = signer_->kid();
  try {
    // Everything is read before anything changes; the certificate swap, the only one
    // that can refuse, comes first.
    std::map<std::pair<std::string, std::string>, crypto::SecretBuffer> secrets;
    for (const auto& peer : auth.peers) secrets[{peer.role, peer.id}] = crypto::read_secret_file(peer.secret);
    auto key = crypto::read_private_key_file(auth.token_key);
    auto kid = crypto::default_kid(key.public_key());
    auto tls = server_tls("auth", fresh);
    host_->transport().replace_certificate(tls.certificate_pem, std::move(tls.private_key_pem));
    // In place: a link authentication under way holds a pointer to its peer's
    // secret, so entries are overwritten (or emptied when the peer left), never erased.
    for (auto& [who, secret] : secrets_)
      if (!secrets.contains(who)) secret.wipe();
    for (auto& [who, secret] : secrets) secrets_[who] = std::move(secret);
    // The login service holds the signer by reference; tokens are signed on this loop.
    *signer_ = crypto::TokenSigner(config_.auth.id, kid, std::move(key));
  } catch (const std::exception& e) {
    ++reloads_failed_;
    context_.log->error("reload failed, keeping the keys in use: {} (auth.token_key, auth.peers, tls)",
                        e.what());
    return false;
  }
  ++reloads_ok_;
  if (signer_->kid() != old_kid)
    context_.log->info("reloaded: now signing tokens with key id {} (was {}); link secrets; certificate",
                       signer_->kid(), old_kid);
  else
    context_.log->info("reloaded: token key id {} unchanged; link secrets; certificate", signer_->kid());
  return true;
}

void AuthRole::stop(std::function<void()> done) {
  if (host_) host_->shutdown();
  done();
}

void AuthRole::on_peer_added(peers::Peer& peer) {
  peer_metrics_.added(peer);
  links_.emplace(&peer.session(), Link{session::LinkAuth{session::LinkAuth::Side::responder,
                                                         {"auth", config_.auth.id},
                                                         [this](std::string_view role, std::string_view id) {
                                                           return secret_for(role, id);
                                                         }},
                                       peer.id()});
}

void AuthRole::on_peer_removed(peers::Peer& peer, const End& end) {
  peer_metrics_.removed(*host_, peer, end);
  auto it = links_.find(&peer.session());
  if (it == links_.end()) return;
  if (auto who = it->second.auth.peer();
      who && peer.session().entered(session::State::connected) != session::Time{}) {
    context_.log->info("{} {} unlinked ({})", who->role, who->id, to_string(end.code));
    if (who->role == "world") {
      worlds_.remove(who->id);
      seats_.forget_world(who->id);
    }
  }
  links_.erase(it);
}

void AuthRole::on_authenticating(session::Session& session, session::Time now) {
  if (auto it = links_.find(&session); it != links_.end()) it->second.auth.start(session, now);
}

void AuthRole::on_auth_data(session::Session& session, std::span<const std::uint8_t> data,
                            session::Time now) {
  if (auto it = links_.find(&session); it != links_.end()) it->second.auth.on_auth_data(session, data, now);
}

void AuthRole::on_connected(session::Session& session, session::Time) {
  auto it = links_.find(&session);
  if (it == links_.end()) return;
  const auto& who = *it->second.auth.peer();
  context_.log->info("{} {} linked", who.role, who.id);
}

void AuthRole::on_authentication_failed(session::Session& session, std::string_view reason, session::Time) {
  ++links_refused_;
  auto* peer = host_->find(session);
  context_.log->warn("link from {} refused: {}", peer ? peer->address().to_string() : "?", reason);
}

void AuthRole::on_message(session::Session& session, std::uint8_t lane, std::uint8_t type,
                          std::span<const std::byte> message, session::Time now) {
  auto it = links_.find(&session);
  if (it == links_.end()) return;
  const auto& who = *it->second.auth.peer();
  // Each role sends its own types only, on the control lane; anything else is counted and
  // dropped, and the link stays up.
  if (lane != protocol::lane_control)
    return link_drops_.drop(LinkDrops::Reason::unexpected, type, who.role, who.id);
  if (type == protocol::Authenticate::type && who.role == "gateway")
    return on_authenticate(who.id, it->second.id, message);
  if (type == protocol::WorldReport::type && who.role == "world")
    return on_world_report(who.id, message, now);
  if (type == protocol::SeatUpdate::type && who.role == "world") return on_seat_update(who.id, message);
  link_drops_.drop(LinkDrops::Reason::unexpected, type, who.role, who.id);
}

void AuthRole::on_authenticate(const std::string& gateway, transport::ConnectionId link,
                               std::span<const std::byte> message) {
  auto request = link_drops_.decode<protocol::Authenticate>(message, "gateway", gateway);
  if (!request) return;
  auto reply = [this, link, alive = alive_](protocol::AuthResult result) {
    if (!*alive) return;
    // The gateway may have gone while the hash ran.
    if (auto* peer = host_->find(link)) peer->session().send(protocol::lane_control, encode(result));
  };
  logins_->authenticate(std::move(*request), gateway, clock_now(), std::move(reply));
}

void AuthRole::on_world_report(const std::string& world, std::span<const std::byte> message,
                               session::Time now) {
  auto report = link_drops_.decode<protocol::WorldReport>(message, "world", world);
  if (!report) return;
  // A world speaks only for itself.
  if (report->id != world)
    return link_drops_.drop(LinkDrops::Reason::unexpected, protocol::WorldReport::type, "world", world);
  worlds_.report(report->id, report->address, report->capacity, report->players, now);
}

void AuthRole::on_seat_update(const std::string& world, std::span<const std::byte> message) {
  auto update = link_drops_.decode<protocol::SeatUpdate>(message, "world", world);
  if (!update) return;
  if (!update->seated) return seats_.released(update->account, world, update->player_id);
  auto since = static_cast<std::int64_t>(std::min<std::uint64_t>(update->since, INT64_MAX));
  auto evicted = seats_.taken(update->account, Seat{world, update->player_id, since, update->jti});
  if (evicted) unseat(*evicted);
}

void AuthRole::unseat(const Eviction& eviction) {
  // Gone from the map at once: the new seat's report, which may arrive before the old
  // world's release, then finds nothing to evict a second time.
  seats_.released(eviction.account, eviction.seat.world, eviction.seat.player_id);
  for (const auto& [session, link] : links_) {
    auto who = link.auth.peer();
    if (!who || who->role != "world" || who->id != eviction.seat.world) continue;
    context_.log->info("account {} seated in {} again elsewhere: {} gives up player {}", eviction.account,
                       eviction.seat.world, eviction.seat.world, eviction.seat.player_id);
    session->send(protocol::lane_control,
                  encode(protocol::Unseat{eviction.account, eviction.seat.player_id, "replaced"}));
    ++unseats_sent_;
    return;
  }
}

void AuthRole::on_closed(session::Session&, const End&, session::Time) {}

void AuthRole::collect(admin::MetricsWriter& out) {
  peer_metrics_.collect(out, host_.get());
  LoginStats s = logins_ ? logins_->stats() : LoginStats{};
  const char* logins = "Password logins answered by auth, by result";
  for (auto [result, count] : {std::pair{"ok", s.ok},
                               {"bad_credentials", s.bad_credentials},
                               {"throttled", s.throttled},
                               {"disabled", s.disabled},
                               {"no_world", s.no_world},
                               {"busy", s.busy},
                               {"internal", s.internal},
                               {"unavailable", s.unavailable}})
    out.counter("gameserver_logins_total", logins, static_cast<double>(count), {{"result", result}});
  out.counter("gameserver_tokens_issued_total", "Login tokens signed", static_cast<double>(s.ok));
  out.counter("gameserver_login_unparsed_addresses_total",
              "Logins whose client address from the gateway was no IP address (throttled per gateway link)",
              static_cast<double>(s.unparsed_address));
  out.counter("gameserver_password_rehashes_total",
              "Password hashes redone with the current settings at login", static_cast<double>(s.rehashed));
  out.gauge("gameserver_logins_in_flight", "Logins being looked up or password-checked now",
            logins_ ? static_cast<double>(logins_->in_flight()) : 0.0);
  out.gauge("gameserver_worker_queue_depth", "Jobs waiting for a worker-pool thread",
            static_cast<double>(context_.workers.queue_depth()));
  out.gauge("gameserver_worker_threads", "Worker-pool threads",
            static_cast<double>(context_.workers.thread_count()));
  out.gauge("gameserver_account_store_queue_depth", "Account database calls waiting for the database thread",
            database_ ? static_cast<double>(database_->queue_depth()) : 0.0);
  std::size_t gateways = 0, worlds = 0;
  for (const auto& [session, link] : links_) {
    if (session->state() != session::State::connected) continue;
    if (auto who = link.auth.peer()) (who->role == "world" ? worlds : gateways) += 1;
  }
  const char* links = "Authenticated links from gateways and worlds up now";
  out.gauge("gameserver_auth_links", links, static_cast<double>(gateways), {{"peer_role", "gateway"}});
  out.gauge("gameserver_auth_links", links, static_cast<double>(worlds), {{"peer_role", "world"}});
  out.counter("gameserver_auth_links_refused_total", "Links refused during pre-authentication",
              static_cast<double>(links_refused_));
  out.gauge("gameserver_auth_seats", "Accounts seated in a world, as the worlds report them",
            static_cast<double>(seats_.size()));
  out.counter("gameserver_auth_unseats_total",
              "Seats a world was told to give up: the account logged in again for another world",
              static_cast<double>(unseats_sent_));
  if (signer_)
    out.gauge("gameserver_token_signing_key", "1 for the key id (kid) that signs login tokens now", 1,
              {{"kid", signer_->kid()}});
  link_drops_.collect(out);
  collect_reloads(out, reloads_ok_, reloads_failed_);
  out.gauge("gameserver_auth_worlds_live", "Worlds that reported within auth.world_timeout",
            static_cast<double>(worlds_.live(std::chrono::steady_clock::now())));
}

admin::Health AuthRole::health() const {
  if (!host_) return {false, "auth: not listening"};
  return {true, {}};
}

}  // namespace gs::roles
