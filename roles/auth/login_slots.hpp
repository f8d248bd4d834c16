#pragma once
// The logins auth is looking up or hashing now, shared out fairly. A slot is taken for a
// login's account lookup and password hash and given back when the hash is done (or the
// lookup failed). Three limits hold at once: `total` slots; `per_address` for one address
// group, so one host sending random names holds at most that many and everyone else
// still gets the rest; and `per_gateway` for one gateway link (0 = no limit of its own),
// so a flood through one gateway leaves room for the others. No queue: a login that
// finds no slot is answered `busy` at once and its client may try again.
//
// Memory: one counter per address group and per gateway with a login in flight, so at
// most `total` of each.

#include <cstdint>
#include <string>
#include <unordered_map>

namespace gs::roles {

class LoginSlots {
 public:
  struct Limits {
    std::uint32_t total = 4;
    std::uint32_t per_address = 1;
    std::uint32_t per_gateway = 0;  // 0 = only `total`
  };

  explicit LoginSlots(Limits limits) : limits_(limits) {}

  // Takes a slot for a login from `group` through `gateway`; false (nothing taken) when
  // one of the limits is reached.
  bool try_take(const std::string& group, const std::string& gateway);
  // Gives back a slot taken with the same two keys.
  void give_back(const std::string& group, const std::string& gateway);

  std::uint32_t in_flight() const { return in_flight_; }
  std::uint32_t held_by_address(const std::string& group) const;

 private:
  using Counts = std::unordered_map<std::string, std::uint32_t>;
  static std::uint32_t held(const Counts& counts, const std::string& key);
  static void decrement(Counts& counts, const std::string& key);

  Limits limits_;
  std::uint32_t in_flight_ = 0;
  Counts by_address_;
  Counts by_gateway_;
};

}  // namespace gs::roles
