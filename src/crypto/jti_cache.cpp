#include "crypto/jti_cache.hpp"

namespace gs::crypto {

void JtiCache::expire(TimePoint now) {
  while (!by_expiry_.empty() && by_expiry_.top().forget_after < now) {
    ids_.erase(by_expiry_.top().id);
    by_expiry_.pop();
  }
}

JtiCache::Outcome JtiCache::record(std::string_view jti, TimePoint forget_after, TimePoint now) {
  expire(now);
  std::string id(jti);
  if (ids_.count(id) != 0) return Outcome::reused;
  if (ids_.size() >= capacity_) return Outcome::full;
  ids_.insert(id);
  by_expiry_.push(Entry{forget_after, std::move(id)});
  return Outcome::recorded;
}

bool JtiCache::contains(std::string_view jti) const { return ids_.count(std::string(jti)) != 0; }

}  // namespace gs::crypto
