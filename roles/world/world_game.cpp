// The world and its game module (include/gameserver/game.h): what the game does to the
// players (game::GamePlayers), and the world's events handed to the game. Messages on the
// reliable lanes 1 and 2 are kept for a resume like lane 0's; lane 2's carry their number.

#include <algorithm>

#include "roles/world/world_service.hpp"

namespace gs::roles {

void WorldService::send_numbered(session::Session& to, std::uint32_t number,
                                 std::span<const std::byte> data) {
  protocol::write_numbered(numbered_, number, data);
  to.send(protocol::lane_unordered, numbered_);
}

SharedMessage WorldService::kept_copy(gs_lane lane, std::span<const std::byte> data) const {
  const bool reliable = lane == GS_LANE_RELIABLE || lane == GS_LANE_UNORDERED;
  if (!reliable || !resumes()) return nullptr;
  return std::make_shared<const std::vector<std::byte>>(data.begin(), data.end());
}

int WorldService::send_game(Player& player, gs_lane lane, std::span<const std::byte> data,
                            const SharedMessage& kept) {
  switch (lane) {
    case GS_LANE_RELIABLE:
      player.replay_reliable.push(kept);  // counted even when not kept (no resumes)
      if (player.session) player.session->send(protocol::lane_reliable, data);
      return GS_OK;
    case GS_LANE_UNORDERED:
      // Numbered even when not kept: the client expects the number either way.
      player.replay_unordered.push(kept);
      if (player.session) send_numbered(*player.session, player.replay_unordered.sent(), data);
      return GS_OK;
    case GS_LANE_SEQUENCED:
    case GS_LANE_UNRELIABLE:
      // A suspended player's unreliable messages are gone, as on a lossy path.
      if (!player.session) return GS_OK;
      return player.session->send(lane, data) ? GS_OK : GS_ERR_QUEUE_FULL;
  }
  return GS_ERR_LANE;
}

int WorldService::send(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) {
  auto it = players_.find(player);
  if (it == players_.end()) return GS_ERR_NO_PLAYER;
  return send_game(it->second, lane, data, kept_copy(lane, data));
}

int WorldService::broadcast(gs_lane lane, std::span<const std::byte> data, std::uint32_t except) {
  // Reliable lanes share one copy of the bytes between every player's replay log.
  const SharedMessage kept = kept_copy(lane, data);
  for (auto& [id, player] : players_)
    if (id != except) send_game(player, lane, data, kept);
  return GS_OK;
}

int WorldService::kick(std::uint32_t player, std::string_view reason) {
  if (!players_.contains(player)) return GS_ERR_NO_PLAYER;
  // Not now: player_left must not reach the game inside its own callback.
  game_kicks_.emplace_back(player, std::string(reason));
  return GS_OK;
}

int WorldService::stats(std::uint32_t player, gs_player_stats& out) {
  auto it = players_.find(player);
  if (it == players_.end()) return GS_ERR_NO_PLAYER;
  out = gs_player_stats{};
  out.suspended = it->second.session ? 0 : 1;
  if (it->second.session && stats_source_) stats_source_(*it->second.session, out);
  return GS_OK;
}

void WorldService::run_game_kicks(Time now) {
  while (!game_kicks_.empty()) {
    auto [id, reason] = std::move(game_kicks_.front());
    game_kicks_.erase(game_kicks_.begin());
    auto it = players_.find(id);
    if (it == players_.end()) continue;  // gone meanwhile
    session::Session* session = it->second.session;
    if (!session) {
      leave(id, "kicked");
      continue;
    }
    if (auto c = clients_.find(session); c != clients_.end()) kick(c->second, reason, now);
  }
}

void WorldService::game_message(std::uint32_t player_id, std::uint8_t lane,
                                std::span<const std::byte> message, Time now) {
  game_->call_message(player_id, static_cast<gs_lane>(lane), message);
  run_game_kicks(now);
}

void WorldService::game_tick(Time now) {
  const auto step = std::chrono::duration<double>(tick_interval()).count();
  game_->call_tick(stats_.ticks, step);
  game_->fire_due(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()));
  run_game_kicks(now);
}

void WorldService::game_left(std::uint32_t player_id, const std::string& reason) {
  if (game_) game_->call_left(player_id, reason);
}

}  // namespace gs::roles
