#include "roles/auth/seat_map.hpp"

#include <iterator>
#include <utility>

namespace gs::roles {

std::optional<Eviction> SeatMap::taken(std::string_view account, Seat seat) {
  auto it = seats_.find(account);
  if (it == seats_.end()) {
    seats_.emplace(std::string(account), std::move(seat));
    return std::nullopt;
  }
  Seat& held = it->second;
  if (held.world == seat.world) {
    if (!held.newer_than(seat)) held = std::move(seat);
    return std::nullopt;
  }
  if (held.newer_than(seat)) return Eviction{std::string(account), std::move(seat)};
  Eviction older{std::string(account), std::exchange(held, std::move(seat))};
  return older;
}

void SeatMap::released(std::string_view account, std::string_view world, std::uint32_t player_id) {
  auto it = seats_.find(account);
  if (it != seats_.end() && it->second.world == world && it->second.player_id == player_id) seats_.erase(it);
}

void SeatMap::forget_world(std::string_view world) {
  for (auto it = seats_.begin(); it != seats_.end();)
    it = it->second.world == world ? seats_.erase(it) : std::next(it);
}

const Seat* SeatMap::find(std::string_view account) const {
  auto it = seats_.find(account);
  return it == seats_.end() ? nullptr : &it->second;
}

}  // namespace gs::roles
