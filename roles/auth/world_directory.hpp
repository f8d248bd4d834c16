#pragma once
// The worlds auth may send players to: each reports its id, public address,
// capacity and player count every few seconds; one that stops reporting leaves the
// selection.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gs::roles {

struct WorldEntry {
  std::string id;
  std::string address;
  std::uint32_t capacity = 0;
  std::uint32_t players = 0;  // as last reported
  std::uint32_t pending = 0;  // logins sent there since that report
  std::chrono::steady_clock::time_point last_report{};

  std::uint32_t load() const { return players + pending; }
  bool has_room() const { return load() < capacity; }
};

class WorldDirectory {
 public:
  using Time = std::chrono::steady_clock::time_point;
  explicit WorldDirectory(std::chrono::steady_clock::duration timeout) : timeout_(timeout) {}

  void report(std::string_view id, std::string_view address, std::uint32_t capacity, std::uint32_t players,
              Time now);
  void remove(std::string_view id);

  // The requested world if it has room, otherwise the least loaded (by fill ratio)
  // with room; counts the login as pending there. nullopt when none has room.
  std::optional<WorldEntry> pick(std::string_view requested, Time now);

  // The world `id` if it is alive, room or not (a seated player returning to its own
  // world replaces itself there); counts the login as pending. nullopt when it is not.
  std::optional<WorldEntry> take(std::string_view id, Time now);
  bool is_live(std::string_view id, Time now) const;

  // Worlds heard from within the timeout.
  std::size_t live(Time now) const;

 private:
  bool alive(const WorldEntry& world, Time now) const { return now - world.last_report <= timeout_; }

  std::chrono::steady_clock::duration timeout_;
  std::map<std::string, WorldEntry, std::less<>> worlds_;
};

}  // namespace gs::roles
