#include "roles/world/replay_log.hpp"

namespace gs::roles {

void ReplayLog::push(SharedMessage message) {
  ++sent_;
  if (capacity_ == 0) return;
  if (kept_.size() == capacity_) kept_.pop_front();
  kept_.push_back(std::move(message));
}

bool ReplayLog::covers(std::uint32_t received) const {
  return received <= sent_ && sent_ - received <= kept_.size();
}

}  // namespace gs::roles
