#pragma once
// Where each account is seated, as the worlds report it (SeatUpdate), so that an account
// holds one seat across all worlds. Every world reports to every auth server, and when two
// worlds report the same account every auth server keeps the newer seat, ordered by the
// token that took it (its iat, then its jti): all of them evict the same, older one, so
// two logins racing through two auth servers still end with one seat.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gs::roles {

struct Seat {
  std::string world;
  std::uint32_t player_id = 0;
  std::int64_t since = 0;  // iat of the token that took the seat, seconds since the epoch
  std::string jti;         // that token's id

  // True when this seat was taken by a newer token than `other`.
  bool newer_than(const Seat& other) const {
    return since != other.since ? since > other.since : jti > other.jti;
  }
};

// A seat a world must give up: auth tells the world (Unseat) and the world kicks the
// player with "replaced".
struct Eviction {
  std::string account;
  Seat seat;
};

class SeatMap {
 public:
  // `seat.world` seated `account`. When another world holds the account, the older of
  // the two seats is returned for eviction and the map keeps the newer. A world that
  // re-seats its own player (it replaced its own duplicate) evicts nothing.
  std::optional<Eviction> taken(std::string_view account, Seat seat);
  // `world` let `player_id` of `account` go. Ignored when the map holds another seat
  // (a newer one, or one in another world).
  void released(std::string_view account, std::string_view world, std::uint32_t player_id);
  // A world that went away holds no seats.
  void forget_world(std::string_view world);

  const Seat* find(std::string_view account) const;
  std::size_t size() const { return seats_.size(); }

 private:
  std::map<std::string, Seat, std::less<>> seats_;
};

}  // namespace gs::roles
