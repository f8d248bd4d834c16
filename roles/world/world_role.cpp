#include "roles/world/world_role.hpp"

#include <fmt/format.h>

#include "crypto/ed25519.hpp"
#include "crypto/token_signer.hpp"
#include "roles/common/linked_role_keys.hpp"
#include "roles/common/reload_metrics.hpp"
#include "roles/common/tls_setup.hpp"
#include "session/codec.hpp"

namespace gs::roles {

namespace {

crypto::TokenKeySet read_token_keys(const std::vector<std::filesystem::path>& files) {
  auto keys = crypto::read_token_key_set(files);
  if (keys.empty()) throw std::runtime_error("no token key listed");
  return keys;
}

std::string kids(const crypto::TokenKeySet& keys) {
  std::string text;
  for (const auto& [kid, key] : keys) text += (text.empty() ? "" : ", ") + kid;
  return text;
}

}  // namespace

WorldRole::WorldRole(const config::Config& config, RoleContext& context)
    : config_(config),
      context_(context),
      tick_timer_(context.io),
      report_timer_(context.io),
      link_drops_(context.log) {}

WorldRole::~WorldRole() {
  *alive_ = false;
  if (service_) service_->set_game(nullptr);  // nothing reaches the game while the rest closes
}

void WorldRole::start() {
  const auto& world = config_.world;
  crypto::TokenKeySet keys;
  crypto::SecretBuffer secret;
  try {
    keys = read_token_keys(world.token_keys);
    secret = crypto::read_secret_file(world.auth_secret);
  } catch (const std::exception& e) {
    throw StartError(fmt::format("world: {} (world.token_keys, world.auth_secret)", e.what()));
  }
  crypto::TokenVerifierConfig verify;
  verify.audience = world.id;
  // Only the configured auth servers send players: a token signed with a trusted key
  // but naming another issuer is refused.
  verify.issuers = world.token_issuers;
  verify.leeway = std::chrono::duration_cast<std::chrono::seconds>(world.token_leeway);
  verifier_ = std::make_unique<crypto::TokenVerifier>(verify, std::move(keys));

  WorldService::Settings settings;
  settings.id = world.id;
  settings.game = config_.game;
  settings.capacity = world.capacity;
  settings.tick_rate = world.tick_rate;
  const auto& limits = world.rate_limit;
  settings.rate_limit = {limits.input_per_s, limits.input_burst, limits.kick_drops, limits.kick_window};
  settings.resume_grace = std::chrono::duration_cast<std::chrono::seconds>(world.resume_grace);
  settings.resume_backlog = world.resume_backlog;
  service_ = std::make_unique<WorldService>(settings, [this](std::string_view token) {
    auto claims =
        verifier_->verify(token, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    if (claims) {
      ++tokens_accepted_;
    } else {
      ++tokens_rejected_[std::string(crypto::to_string(claims.error()))];
    }
    return claims;
  });

  transport::HostOptions link_options;
  link_options.client = client_tls("world", config_);
  link_options.channel = peers::link_channel_config(config_.channel);
  link_options.impair(context_.impairment, context_.impairment_seed);
  // Every listed auth server hears the reports, so each can send players here; a
  // link that comes up gets one at once.
  auth_ = std::make_unique<AuthLinks>(
      context_.io, context_.log, "world", world.id, world.auth, secret, link_options,
      peers::session_config(config_.session),
      AuthLinks::Callbacks{[this](std::size_t link) { link_up(link); },
                           {},
                           [this](std::size_t link, std::uint8_t type, std::span<const std::byte> message) {
                             on_auth_message(link, type, message);
                           }});
  if (!world.game.module.empty()) {
    start_game();
  } else {
    context_.log->warn(
        "world: no game module (world.game.module): players can join, but no game runs and what they send "
        "on the game's lanes is dropped (gameserver_world_no_game_messages_total)");
  }
  // Every auth server hears every seat taken and given up (one seat per account).
  service_->set_seat_listener(
      [this](const protocol::SeatUpdate& seat) { auth_->send_all(session::encode(seat)); });

  auto options = listening_host("world", config_, world.listen, context_.io);
  options.impair(context_.impairment, context_.impairment_seed);
  try {
    clients_ = std::make_unique<peers::PeerHost>(context_.io, std::move(options),
                                                 peers::session_config(config_.session), *service_,
                                                 static_cast<peers::PeerObserver&>(*this));
  } catch (const std::exception& e) {
    throw StartError(fmt::format("world: cannot listen on {}: {}", world.listen.to_string(), e.what()));
  }
  clients_->limit_unauthenticated_per_source(config_.per_source.max_unauthenticated);
  context_.log->info("world listening on {} (id {}, capacity {})",
                     clients_->transport().local_address().to_string(), world.id, world.capacity);
  auth_->start();
  next_tick_ = std::chrono::steady_clock::now();
  tick();
  report();
}

bool WorldRole::reload(const config::Config& fresh) {
  if (!verifier_ || !clients_ || !auth_) return true;
  try {
    // Everything is read before anything changes; the certificate, the only swap that
    // can refuse, goes first (in apply), and the token keys, checked non-empty, last.
    auto token_keys = read_token_keys(fresh.world.token_keys);
    auto keys = LinkedRoleKeys::read("world", fresh, fresh.world.auth_secret);
    keys.apply(clients_->transport(), *auth_);
    verifier_->set_keys(std::move(token_keys));
  } catch (const std::exception& e) {
    ++reloads_failed_;
    context_.log->error(
        "reload failed, keeping the keys in use: {} (world.token_keys, world.auth_secret, tls)", e.what());
    return false;
  }
  ++reloads_ok_;
  context_.log->info("reloaded: token keys {}; link secret; certificate", kids(verifier_->keys()));
  return true;
}

void WorldRole::start_game() {
  const auto& game = config_.world.game;
  try {
    module_ = std::make_unique<game::LoadedModule>(game.module.string());
    game_ = std::make_unique<game::GameHost>(module_->module(), *service_, context_.log, game.settings, [] {
      const auto now = std::chrono::steady_clock::now().time_since_epoch();
      return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    });
    game_->start();
  } catch (const game::ModuleError& e) {
    throw StartError(fmt::format("world: game module: {} (world.game.module)", e.what()));
  }
  service_->set_game(game_.get());
  service_->set_stats_source([this](session::Session& session, gs_player_stats& out) {
    auto* peer = clients_ ? clients_->find(session) : nullptr;
    auto stats = peer ? clients_->transport().stats(peer->id()) : std::nullopt;
    if (!stats) return false;
    out.rtt_ms = std::chrono::duration<double, std::milli>(stats->channel.srtt).count();
    out.bytes_sent = stats->channel.bytes_sent;
    out.bytes_received = stats->channel.bytes_received;
    out.packets_lost = stats->channel.packets_lost;
    out.queued_messages = stats->channel.queued_messages;
    return true;
  });
  const auto& m = module_->module();
  context_.log->info("world: game {} {} from {}", m.name, m.version, m.file);
}

void WorldRole::stop(std::function<void()> done) {
  tick_timer_.cancel();
  report_timer_.cancel();
  // The game hears no more: its players leave with the process.
  if (game_) {
    service_->set_game(nullptr);
    game_->stop();
  }
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
    tick_last_ = std::chrono::steady_clock::now() - now;
    tick_max_ = std::max(tick_max_, tick_last_);
    next_tick_ += service_->tick_interval();
    if (next_tick_ < now) next_tick_ = now + service_->tick_interval();  // far behind: skip, don't burst
  }
  tick_timer_.expires_at(next_tick_);
  tick_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!ec && *alive) tick();
  });
}

void WorldRole::link_up(std::size_t link) {
  auth_->send(link, session::encode(make_report()));
  for (const auto& seat : service_->seats()) auth_->send(link, session::encode(seat));
}

void WorldRole::on_auth_message(std::size_t link, std::uint8_t type, std::span<const std::byte> message) {
  auto from = auth_->address(link).to_string();
  if (type != protocol::Unseat::type)
    return link_drops_.drop(LinkDrops::Reason::unexpected, type, "auth", from);
  auto unseat = link_drops_.decode<protocol::Unseat>(message, "auth", from);
  if (!unseat) return;
  service_->unseat(*unseat, session::Time::clock::now());
}

protocol::WorldReport WorldRole::make_report() const {
  protocol::WorldReport r;
  r.id = config_.world.id;
  r.address = config_.world.public_address.to_string();
  r.capacity = config_.world.capacity;
  r.players = service_->players();
  return r;
}

void WorldRole::report() {
  auth_->send_all(session::encode(make_report()));
  report_timer_.expires_after(config_.world.report_interval);
  report_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (!ec && *alive) report();
  });
}

void WorldRole::on_peer_added(peers::Peer& peer) {
  peer_metrics_.added(peer);
  service_->add_client(peer.session(), session::Time::clock::now());
}

void WorldRole::on_peer_removed(peers::Peer& peer, const End& end) {
  peer_metrics_.removed(*clients_, peer, end);
  service_->remove_client(peer.session());
}

void WorldRole::collect(admin::MetricsWriter& out) {
  peer_metrics_.collect(out, clients_.get());
  WorldStats s = service_ ? service_->stats() : WorldStats{};
  out.gauge("gameserver_world_players", "Players in the world now", service_ ? service_->players() : 0.0);
  out.gauge("gameserver_world_capacity", "Players the world admits at once (world.capacity)",
            static_cast<double>(config_.world.capacity));
  out.counter("gameserver_world_joins_total", "Players that joined", static_cast<double>(s.joined));
  out.counter("gameserver_world_leaves_total", "Players that left", static_cast<double>(s.left));
  out.counter("gameserver_world_refused_full_total", "Players refused because the world was full",
              static_cast<double>(s.refused_full));
  out.counter("gameserver_world_ticks_total", "Simulation ticks run", static_cast<double>(s.ticks));
  out.counter("gameserver_malformed_messages_total", "Messages that failed to decode, dropped",
              static_cast<double>(s.malformed));
  out.counter("gameserver_world_no_game_messages_total",
              "Player messages on the game's lanes dropped because no game module runs (world.game.module)",
              static_cast<double>(s.no_game));
  out.counter("gameserver_world_rate_limited_total",
              "Player messages dropped over the player's rate limit (world.rate_limit)",
              static_cast<double>(s.rate_limited));
  out.counter("gameserver_world_rate_limit_kicks_total", "Players kicked for staying over their rate limit",
              static_cast<double>(s.rate_limit_kicks));
  out.gauge("gameserver_world_suspended_players",
            "Players whose network path broke, seat kept for a resume (world.resume_grace)",
            service_ ? service_->suspended_players() : 0.0);
  out.counter("gameserver_world_suspensions_total", "Players whose path broke and whose seat was kept",
              static_cast<double>(s.suspended));
  out.counter("gameserver_world_resumes_total", "Players that took their seat back with a resume ticket",
              static_cast<double>(s.resumed));
  out.counter("gameserver_world_resume_timeouts_total", "Suspended players that did not come back in time",
              static_cast<double>(s.resume_timeouts));
  const char* refused = "Resume requests refused, by reason";
  for (const char* reason : kResumeRefusals)
    out.counter("gameserver_world_resumes_refused_total", refused,
                s.resumes_refused.contains(reason) ? static_cast<double>(s.resumes_refused.at(reason)) : 0.0,
                {{"reason", reason}});
  const char* tick =
      "Duration of one simulation tick: the last one, and the longest since the previous scrape";
  out.gauge("gameserver_world_tick_seconds", tick, admin::seconds(tick_last_), {{"stat", "last"}});
  out.gauge("gameserver_world_tick_seconds", tick, admin::seconds(tick_max_), {{"stat", "max"}});
  tick_max_ = {};
  out.counter("gameserver_tokens_accepted_total", "Login tokens that passed verification",
              static_cast<double>(tokens_accepted_));
  const char* rejected = "Login tokens refused, by reason";
  // The usual reasons always appear, so rate() sees them from zero.
  for (auto reason : {"expired", "bad_signature", "wrong_audience", "wrong_issuer", "jti_reused"})
    if (!tokens_rejected_.contains(reason))
      out.counter("gameserver_tokens_rejected_total", rejected, 0, {{"reason", reason}});
  for (const auto& [reason, count] : tokens_rejected_)
    out.counter("gameserver_tokens_rejected_total", rejected, static_cast<double>(count),
                {{"reason", reason}});
  if (auth_) auth_->collect(out);
  if (game_) game_->collect(out);
  link_drops_.collect(out);
  out.gauge("gameserver_token_keys", "Public keys whose tokens the world accepts (world.token_keys)",
            verifier_ ? static_cast<double>(verifier_->keys().size()) : 0.0);
  collect_reloads(out, reloads_ok_, reloads_failed_);
}

admin::Health WorldRole::health() const {
  if (!clients_) return {false, "world: not listening"};
  // Ready while some auth server can send players here.
  if (!auth_ || !auth_->any_up())
    return {false, auth_ ? auth_->describe_down("world") : "world: no auth link"};
  return {true, {}};
}

}  // namespace gs::roles
