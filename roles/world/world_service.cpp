#include "roles/world/world_service.hpp"

#include <algorithm>

#include "session/codec.hpp"

namespace gs::roles {

using session::decode;
using session::encode;

WorldService::WorldService(Settings settings, VerifyToken verify)
    : settings_(std::move(settings)), verify_(std::move(verify)), tickets_(settings_.id), wall_clock_([] {
        auto now = std::chrono::system_clock::now().time_since_epoch();
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
      }) {}

std::chrono::microseconds WorldService::tick_interval() const {
  return std::chrono::microseconds(1'000'000 / std::max<std::uint32_t>(1, settings_.tick_rate));
}

// Every field the world sends is a configured id (checked at load), an account decoded
// from a verified token, or a fixed reason, so encoding cannot fail; if it ever did,
// nothing is sent.
template <class M>
void WorldService::send(session::Session& to, std::uint8_t lane, const M& message) {
  scratch_.clear();
  if (encode(message, scratch_)) to.send(lane, scratch_);
}

namespace {

template <class M>
SharedMessage encoded(const M& message) {
  auto bytes = std::make_shared<std::vector<std::byte>>();
  if (!encode(message, *bytes)) return nullptr;
  return bytes;
}

}  // namespace

void WorldService::send(Player& to, const SharedMessage& message) {
  if (!message) return;
  to.replay.push(message);
  if (to.session) to.session->send(protocol::lane_control, *message);
}

template <class M>
void WorldService::send(Player& to, const M& message) {
  send(to, encoded(message));
}

template <class M>
void WorldService::broadcast(const M& message, std::uint32_t except) {
  auto bytes = encoded(message);
  for (auto& [id, player] : players_)
    if (id != except) send(player, bytes);
}

// world_resume.cpp sends these too.
template void WorldService::send(session::Session&, std::uint8_t, const protocol::ResumeTicket&);
template void WorldService::send(session::Session&, std::uint8_t, const protocol::Kicked&);
template void WorldService::broadcast(const protocol::PlayerStatus&, std::uint32_t);

void WorldService::add_client(session::Session& session, Time) {
  Client client;
  client.session = &session;
  clients_[&session] = std::move(client);
}

void WorldService::remove_client(session::Session& session) {
  auto it = clients_.find(&session);
  if (it == clients_.end()) return;
  if (it->second.player_id) leave(it->second.player_id, "left");
  unadmit(it->second);
  clients_.erase(it);
}

void WorldService::unadmit(Client& client) {
  if (!client.admitted) return;
  client.admitted = false;
  if (admitted_ > 0) --admitted_;
}

void WorldService::on_authenticating(session::Session& session, Time) {
  protocol::ServerHello hello;
  hello.game = settings_.game;
  hello.role = "world";
  hello.id = settings_.id;
  auto bytes = encode(hello);
  session.send_auth({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

void WorldService::on_auth_data(session::Session& session, std::span<const std::uint8_t> data, Time now) {
  auto it = clients_.find(&session);
  if (it == clients_.end() || !it->second.account.empty()) return session.refuse_auth("unexpected", now);
  if (!data.empty() && data[0] == protocol::ResumeRequest::type) return resume_auth(it->second, data, now);
  // The player does not exist until this check passes.
  auto claims = verify_({reinterpret_cast<const char*>(data.data()), data.size()});
  if (!claims) {
    ++stats_.tokens_rejected;
    return session.refuse_auth(crypto::to_string(claims.error()), now);
  }
  bool replacing = by_account_.count(claims->sub) > 0;
  if (!replacing && players() + admitted_ >= settings_.capacity) {
    ++stats_.refused_full;
    return session.refuse_auth("full", now);
  }
  it->second.account = claims->sub;
  it->second.since =
      claims->iat
          ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, claims->iat->time_since_epoch().count()))
          : 0;
  it->second.jti = claims->jti;
  it->second.admitted = true;
  ++admitted_;
  session.complete_auth(now);
}

void WorldService::on_connected(session::Session& session, Time now) {
  auto it = clients_.find(&session);
  if (it == clients_.end()) return;
  Client& client = it->second;
  if (client.resume_of) return complete_resume(client, now);
  unadmit(client);
  // The same account again: the newer session wins.
  if (auto old = by_account_.find(client.account); old != by_account_.end()) replace(old->second, now);
  Player& player = seat(client, now);
  const std::uint32_t id = client.player_id;
  protocol::Welcome welcome;
  welcome.player_id = id;
  welcome.world_id = settings_.id;
  welcome.account = client.account;
  welcome.tick_rate = static_cast<std::uint16_t>(settings_.tick_rate);
  send(player, welcome);
  for (const auto& [other_id, other] : players_)
    if (other_id != id) send(player, protocol::PlayerJoined{other_id, other.account});
  broadcast(protocol::PlayerJoined{id, client.account});  // the player too, as always
  if (resumes()) issue_ticket(id, player, now);
  ++stats_.joined;
  if (seat_listener_) seat_listener_(seat_of(id, player, /*seated=*/true));
  if (game_) {
    game_->call_joined(id, player.account, static_cast<std::int64_t>(player.since), player.jti);
    run_game_kicks(now);
  }
}

WorldService::Player& WorldService::seat(Client& client, Time now) {
  std::uint32_t id = next_player_id_++;
  Player player;
  player.session = client.session;
  player.account = client.account;
  player.since = client.since;
  player.jti = client.jti;
  player.limit = MessageRateLimit(settings_.rate_limit, now);
  const std::size_t backlog = resumes() ? settings_.resume_backlog : 0;
  player.replay = ReplayLog(backlog);
  player.replay_reliable = ReplayLog(backlog);
  player.replay_unordered = ReplayLog(backlog);
  client.player_id = id;
  by_account_[client.account] = id;
  return players_[id] = std::move(player);
}

void WorldService::replace(std::uint32_t player_id, Time now) {
  session::Session* old_session = players_.at(player_id).session;
  ++stats_.replaced;
  // A suspended player has no connection to tell.
  if (old_session) send(*old_session, protocol::lane_control, protocol::Kicked{"replaced"});
  leave(player_id, "replaced");
  if (!old_session) return;
  if (auto c = clients_.find(old_session); c != clients_.end()) c->second.player_id = 0;
  old_session->close(/*flush=*/true, now, End{EndCode::login_replaced, {}});
}

protocol::SeatUpdate WorldService::seat_of(std::uint32_t player_id, const Player& player, bool seated) const {
  return protocol::SeatUpdate{player.account, player_id, seated, player.since, player.jti};
}

std::vector<protocol::SeatUpdate> WorldService::seats() const {
  std::vector<protocol::SeatUpdate> out;
  out.reserve(players_.size());
  for (const auto& [id, player] : players_) out.push_back(seat_of(id, player, /*seated=*/true));
  return out;
}

void WorldService::unseat(const protocol::Unseat& unseat, Time now) {
  auto it = by_account_.find(unseat.account);
  if (it == by_account_.end() || it->second != unseat.player_id) return;
  replace(unseat.player_id, now);
}

void WorldService::leave(std::uint32_t player_id, const std::string& reason) {
  auto it = players_.find(player_id);
  if (it == players_.end()) return;
  if (auto a = by_account_.find(it->second.account); a != by_account_.end() && a->second == player_id)
    by_account_.erase(a);
  const protocol::SeatUpdate released = seat_of(player_id, it->second, /*seated=*/false);
  players_.erase(it);
  if (seat_listener_) seat_listener_(released);
  ++stats_.left;
  broadcast(protocol::PlayerLeft{player_id, reason});
  game_left(player_id, reason);
}

void WorldService::on_authentication_failed(session::Session&, std::string_view, Time) {}

void WorldService::on_message(session::Session& session, std::uint8_t lane, std::uint8_t /*type*/,
                              std::span<const std::byte> message, Time now) {
  auto it = clients_.find(&session);
  if (it == clients_.end() || it->second.player_id == 0) return;
  Player& player = players_.at(it->second.player_id);
  // The limit comes first: a flood costs a bucket check per message, whatever its lane.
  switch (player.limit.admit(now)) {
    case MessageRateLimit::Verdict::pass: break;
    case MessageRateLimit::Verdict::drop: ++stats_.rate_limited; return;
    case MessageRateLimit::Verdict::kick:
      ++stats_.rate_limited;
      ++stats_.rate_limit_kicks;
      return kick(it->second, "rate_limited", now);
  }
  // On lane 0 a client has nothing more to say; the game's lanes are the game's.
  if (lane == protocol::lane_control) {
    ++stats_.malformed;
    return;
  }
  if (!game_) {
    ++stats_.no_game;
    return;
  }
  game_message(it->second.player_id, lane, message, now);
}

void WorldService::kick(Client& client, const std::string& reason, Time now) {
  session::Session* session = client.session;
  send(*session, protocol::lane_control, protocol::Kicked{reason});
  const std::uint32_t id = client.player_id;
  client.player_id = 0;
  leave(id, "kicked");
  session->close(/*flush=*/true, now, End{EndCode::kicked, reason});
}

void WorldService::on_closed(session::Session& session, const End& end, Time now) {
  auto it = clients_.find(&session);
  if (it == clients_.end()) return;
  if (const std::uint32_t id = it->second.player_id) {
    it->second.player_id = 0;
    if (resumes() && suspends(end)) {
      suspend(id, now);
    } else {
      leave(id, "left");
    }
  }
  unadmit(it->second);
}

std::uint32_t WorldService::suspended_players() const {
  return static_cast<std::uint32_t>(std::count_if(players_.begin(), players_.end(),
                                                  [](const auto& p) { return p.second.session == nullptr; }));
}

void WorldService::tick(Time now) {
  resume_timers(now);
  ++stats_.ticks;
  if (game_) game_tick(now);
}

}  // namespace gs::roles
