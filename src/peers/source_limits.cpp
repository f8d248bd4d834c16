#include "peers/source_limits.hpp"

#include <algorithm>

namespace gs::peers {

bool SourceLimits::admit(transport::ConnectionId id, const net::Address& address,
                         const std::function<bool(transport::ConnectionId)>& authenticated) {
  if (max_ == 0) return true;
  const net::Source source = net::source_of(address);
  auto& held = by_source_[source];
  if (held.size() >= max_) {
    // Authentication is not reported here, so a full source is checked again now.
    std::erase_if(held, [&](transport::ConnectionId h) {
      if (!authenticated(h)) return false;
      source_of_.erase(h);
      return true;
    });
  }
  if (held.size() >= max_) {
    ++refused_;
    refused_ids_.insert(id);
    return false;
  }
  held.push_back(id);
  source_of_.emplace(id, source);
  return true;
}

bool SourceLimits::release(transport::ConnectionId id) {
  if (refused_ids_.erase(id) != 0) return true;
  auto it = source_of_.find(id);
  if (it == source_of_.end()) return false;
  auto held = by_source_.find(it->second);
  source_of_.erase(it);
  if (held == by_source_.end()) return false;
  std::erase(held->second, id);
  if (held->second.empty()) by_source_.erase(held);
  return false;
}

}  // namespace gs::peers
