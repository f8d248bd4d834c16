#include "store/throttle.hpp"

namespace gs::store {

failure_window::failure_window(std::uint32_t limit, std::chrono::seconds window,
                               std::size_t max_tracked)
    : limit_(limit == 0 ? 1 : limit), window_(window), max_tracked_(max_tracked == 0 ? 1 : max_tracked) {}

void failure_window::drop_old(entry& e, time_point now) const {
    while (!e.times.empty() && e.times.front() <= now - window_) e.times.pop_front();
}

bool failure_window::over_limit(const std::string& key, time_point now) {
    return failures(key, now) >= limit_;
}

std::size_t failure_window::failures(const std::string& key, time_point now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return 0;
    drop_old(it->second, now);
    if (it->second.times.empty()) {
        by_latest_.erase(it->second.order);
        entries_.erase(it);
        return 0;
    }
    return it->second.times.size();
}

void failure_window::make_room(time_point now) {
    // Keys are ordered by latest failure, so the front is the stalest: keys whose
    // failures all left the window come first, then the least recently failing live one.
    (void)now;
    while (entries_.size() >= max_tracked_ && !by_latest_.empty()) {
        entries_.erase(by_latest_.front());
        by_latest_.pop_front();
    }
}

void failure_window::record(const std::string& key, time_point now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        make_room(now);
        by_latest_.push_back(key);
        it = entries_.emplace(key, entry{{}, std::prev(by_latest_.end())}).first;
    } else {
        by_latest_.splice(by_latest_.end(), by_latest_, it->second.order);
    }
    entry& e = it->second;
    drop_old(e, now);
    e.times.push_back(now);
    while (e.times.size() > limit_) e.times.pop_front();
}

void failure_window::clear(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    by_latest_.erase(it->second.order);
    entries_.erase(it);
}

login_throttle::login_throttle(throttle_limits limits)
    : limits_(limits),
      accounts_(limits.account_failures, limits.window, limits.max_tracked),
      addresses_(limits.address_failures, limits.window, limits.max_tracked) {}

login_throttle::verdict login_throttle::check(const std::string& account,
                                              const std::string& address, time_point now) {
    if (addresses_.over_limit(address, now)) return verdict::address_throttled;
    if (accounts_.over_limit(account, now)) return verdict::account_throttled;
    return verdict::allowed;
}

void login_throttle::record_failure(const std::string& account, const std::string& address,
                                    time_point now) {
    accounts_.record(account, now);
    addresses_.record(address, now);
}

void login_throttle::record_success(const std::string& account) { accounts_.clear(account); }

}  // namespace gs::store
