#include "roles/auth/login_slots.hpp"

namespace gs::roles {

std::uint32_t LoginSlots::held(const Counts& counts, const std::string& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

void LoginSlots::decrement(Counts& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it == counts.end()) return;
  if (--it->second == 0) counts.erase(it);
}

std::uint32_t LoginSlots::held_by_address(const std::string& group) const { return held(by_address_, group); }

bool LoginSlots::try_take(const std::string& group, const std::string& gateway) {
  if (in_flight_ >= limits_.total) return false;
  if (held(by_address_, group) >= limits_.per_address) return false;
  if (limits_.per_gateway != 0 && held(by_gateway_, gateway) >= limits_.per_gateway) return false;
  ++in_flight_;
  ++by_address_[group];
  ++by_gateway_[gateway];
  return true;
}

void LoginSlots::give_back(const std::string& group, const std::string& gateway) {
  if (in_flight_ > 0) --in_flight_;
  decrement(by_address_, group);
  decrement(by_gateway_, gateway);
}

}  // namespace gs::roles
