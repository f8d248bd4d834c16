#include "roles/auth/world_directory.hpp"

namespace gs::roles {

void WorldDirectory::report(std::string_view id, std::string_view address, std::uint32_t capacity,
                            std::uint32_t players, Time now) {
  auto [it, inserted] = worlds_.try_emplace(std::string(id));
  WorldEntry& world = it->second;
  world.id = std::string(id);
  world.address = std::string(address);
  world.capacity = capacity;
  world.players = players;
  world.pending = 0;  // the report counts everyone who has arrived
  world.last_report = now;
}

void WorldDirectory::remove(std::string_view id) {
  auto it = worlds_.find(id);
  if (it != worlds_.end()) worlds_.erase(it);
}

std::optional<WorldEntry> WorldDirectory::pick(std::string_view requested, Time now) {
  WorldEntry* chosen = nullptr;
  if (!requested.empty()) {
    auto it = worlds_.find(requested);
    if (it != worlds_.end() && alive(it->second, now) && it->second.has_room()) chosen = &it->second;
  }
  if (!chosen) {
    for (auto& [id, world] : worlds_) {
      if (!alive(world, now) || !world.has_room()) continue;
      // Compare fill ratios without division: a/b < c/d  <=>  a*d < c*b.
      if (!chosen ||
          std::uint64_t(world.load()) * chosen->capacity < std::uint64_t(chosen->load()) * world.capacity)
        chosen = &world;
    }
  }
  if (!chosen) return std::nullopt;
  ++chosen->pending;
  return *chosen;
}

std::optional<WorldEntry> WorldDirectory::take(std::string_view id, Time now) {
  auto it = worlds_.find(id);
  if (it == worlds_.end() || !alive(it->second, now)) return std::nullopt;
  ++it->second.pending;
  return it->second;
}

bool WorldDirectory::is_live(std::string_view id, Time now) const {
  auto it = worlds_.find(id);
  return it != worlds_.end() && alive(it->second, now);
}

std::size_t WorldDirectory::live(Time now) const {
  std::size_t n = 0;
  for (const auto& [id, world] : worlds_) n += alive(world, now) ? 1 : 0;
  return n;
}

}  // namespace gs::roles
