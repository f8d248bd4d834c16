// The arena: the game etc/gameserver.yaml runs (movement on a bounded map, interest
// snapshots, chat) as a C++ game module over game.hpp alone. Its messages
// (arena_protocol.hpp): Input 0x31 and Snapshot 0x32 on GS_LANE_SEQUENCED, Chat 0x33 and
// ChatEvent 0x34 on GS_LANE_RELIABLE; the client library's arena helpers speak them.
//
// Settings (world.game.settings), whole numbers:
//   map_size         100000  mm; the map is [0, map_size) in both axes
//   speed              5000  mm/s at full input
//   interest_radius   30000  mm; a snapshot carries the players this close
//   chat_per_s            5  chat lines a second per player, sustained
//   chat_burst           10  chat lines at once after a quiet spell
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <gameserver/game.hpp>

#include "arena_protocol.hpp"

namespace {

// Chat lines a player may send: `rate` a second, up to `burst` at once; starts full.
class ChatBucket {
 public:
  ChatBucket(double rate, double burst, std::uint64_t now_ms)
      : rate_(rate), burst_(burst), tokens_(burst), last_(now_ms) {}
  bool take(std::uint64_t now_ms) {
    if (now_ms > last_)
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ms - last_) / 1000.0);
    last_ = std::max(last_, now_ms);
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::uint64_t last_;
};

struct Player {
  std::string account;
  std::int32_t x = 0, y = 0;            // mm
  std::int32_t move_x = 0, move_y = 0;  // percent of full speed
  bool has_input = false;
  std::uint32_t last_input = 0;
  bool suspended = false;
  ChatBucket chat;
};

// A setting that must be a whole number within [low, high].
std::int64_t bounded(gs::game::Host& host, const std::string& key, std::int64_t fallback, std::int64_t low,
                     std::int64_t high) {
  const long long value = host.setting_int(key, fallback);
  if (value < low || value > high)
    throw std::invalid_argument("world.game.settings." + key + ": must be " + std::to_string(low) + ".." +
                                std::to_string(high) + ", found " + std::to_string(value));
  return value;
}

class Arena : public gs::game::Game {
 public:
  explicit Arena(gs::game::Host& host)
      : Game(host),
        map_size_(static_cast<std::int32_t>(bounded(host, "map_size", 100'000, 1, 1'000'000'000))),
        speed_(static_cast<std::int32_t>(bounded(host, "speed", 5'000, 0, 1'000'000'000))),
        interest_radius_(
            static_cast<std::int32_t>(bounded(host, "interest_radius", 30'000, 0, 2'000'000'000))),
        chat_per_s_(static_cast<double>(bounded(host, "chat_per_s", 5, 0, 1'000'000))),
        chat_burst_(static_cast<double>(bounded(host, "chat_burst", 10, 1, 1'000'000))) {}

  void on_player_joined(const gs_player& p) override {
    Player player{
        p.account, 0, 0, 0, 0, false, 0, false, ChatBucket(chat_per_s_, chat_burst_, host().now_ms())};
    // Spawn points spread on a square around the centre so players do not stack.
    player.x = spawn(p.id * 7919u);
    player.y = spawn(p.id * 104729u);
    players_.insert_or_assign(p.id, std::move(player));
    host().gauge("players", static_cast<double>(players_.size()));
  }
  void on_player_suspended(std::uint32_t id) override { set_suspended(id, true); }
  void on_player_resumed(std::uint32_t id) override { set_suspended(id, false); }
  void on_player_left(std::uint32_t id, std::string_view) override {
    players_.erase(id);
    host().gauge("players", static_cast<double>(players_.size()));
  }

  void on_message(std::uint32_t id, gs_lane lane, std::span<const std::byte> data) override {
    auto it = players_.find(id);
    if (it == players_.end() || data.empty()) return malformed();
    const auto type = std::to_integer<std::uint8_t>(data[0]);
    if (lane == GS_LANE_SEQUENCED && type == arena::input_type) return input(it->second, data);
    if (lane == GS_LANE_RELIABLE && type == arena::chat_type) return chat(id, it->second, data);
    malformed();
  }

  void on_tick(std::uint64_t tick, double dt) override {
    move(dt);
    snapshots(static_cast<std::uint32_t>(tick));
  }

 private:
  std::int32_t spawn(std::uint32_t hash) const {
    const std::int64_t at = std::int64_t(map_size_) / 2 + std::int64_t(hash % 2000) - 1000;
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(at, 0, map_size_ - 1));
  }

  void set_suspended(std::uint32_t id, bool suspended) {
    auto it = players_.find(id);
    if (it == players_.end()) return;
    it->second.suspended = suspended;
    // A suspended player stands still; a resumed one waits for new input.
    it->second.move_x = it->second.move_y = 0;
  }

  void malformed() { host().count("malformed_messages"); }

  void input(Player& player, std::span<const std::byte> data) {
    auto in = arena::decode_input(data);
    if (!in || in->move_x < -100 || in->move_x > 100 || in->move_y < -100 || in->move_y > 100)
      return malformed();
    // Serial-number order, so the sequence may wrap.
    if (player.has_input && static_cast<std::int32_t>(in->sequence - player.last_input) <= 0) return;
    player.has_input = true;
    player.last_input = in->sequence;
    if (player.suspended) return;
    player.move_x = in->move_x;
    player.move_y = in->move_y;
  }

  void chat(std::uint32_t id, Player& player, std::span<const std::byte> data) {
    auto line = arena::decode_chat(data);
    if (!line || line->empty()) return malformed();
    if (!player.chat.take(host().now_ms())) {
      host().count("chat_dropped");
      return;
    }
    host().count("chat_messages");
    scratch_.clear();
    if (!arena::encode_chat_event(id, player.account, *line, scratch_)) return;
    host().broadcast(GS_LANE_RELIABLE, scratch_);
  }

  void move(double dt) {
    const auto step_us = static_cast<std::int64_t>(std::llround(dt * 1'000'000));
    for (auto& [id, p] : players_) {
      if (p.suspended) continue;
      auto dx = static_cast<std::int64_t>(speed_) * p.move_x / 100 * step_us / 1'000'000;
      auto dy = static_cast<std::int64_t>(speed_) * p.move_y / 100 * step_us / 1'000'000;
      p.x = static_cast<std::int32_t>(std::clamp<std::int64_t>(p.x + dx, 0, map_size_ - 1));
      p.y = static_cast<std::int32_t>(std::clamp<std::int64_t>(p.y + dy, 0, map_size_ - 1));
    }
  }

  // To each connected player, the players within the interest radius (itself included).
  void snapshots(std::uint32_t tick) {
    const std::int64_t r2 = std::int64_t(interest_radius_) * interest_radius_;
    for (const auto& [viewer_id, viewer] : players_) {
      if (viewer.suspended) continue;
      entries_.clear();
      for (const auto& [other_id, other] : players_) {
        const std::int64_t dx = std::int64_t(other.x) - viewer.x, dy = std::int64_t(other.y) - viewer.y;
        if (dx * dx + dy * dy > r2) continue;
        entries_.push_back({other_id, other.x, other.y});
        if (entries_.size() == arena::max_snapshot_entries) break;
      }
      scratch_.clear();
      if (!arena::encode_snapshot(tick, entries_, scratch_)) continue;
      host().send(viewer_id, GS_LANE_SEQUENCED, scratch_);
      host().count("snapshots_sent");
    }
  }

  std::int32_t map_size_;
  std::int32_t speed_;
  std::int32_t interest_radius_;
  double chat_per_s_;
  double chat_burst_;
  std::map<std::uint32_t, Player> players_;
  std::vector<arena::SnapshotEntry> entries_;
  std::vector<std::byte> scratch_;
};

}  // namespace

GS_GAME_MODULE(Arena, "arena", "1.0.0")
