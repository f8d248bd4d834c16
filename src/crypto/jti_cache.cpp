#include "crypto/jti_cache.hpp"

namespace gs::crypto {

void jti_cache::expire(time_point now) {
    while (!by_expiry_.empty() && by_expiry_.top().forget_after < now) {
        ids_.erase(by_expiry_.top().id);
        by_expiry_.pop();
    }
}

jti_cache::outcome jti_cache::record(std::string_view jti, time_point forget_after,
                                     time_point now) {
    expire(now);
    std::string id(jti);
    if (ids_.count(id) != 0) return outcome::reused;
    if (ids_.size() >= capacity_) return outcome::full;
    ids_.insert(id);
    by_expiry_.push(entry{forget_after, std::move(id)});
    return outcome::recorded;
}

bool jti_cache::contains(std::string_view jti) const { return ids_.count(std::string(jti)) != 0; }

}  // namespace gs::crypto
