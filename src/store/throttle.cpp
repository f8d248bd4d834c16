#include "store/throttle.hpp"

#include <algorithm>

namespace gs::store {

FailureWindow::FailureWindow(std::uint32_t limit, std::chrono::seconds window, std::size_t max_tracked)
    : limit_(limit == 0 ? 1 : limit), window_(window), max_tracked_(max_tracked == 0 ? 1 : max_tracked) {}

void FailureWindow::drop_old(Entry& e, TimePoint now) const {
  auto live = std::find_if(e.times.begin(), e.times.end(), [&](TimePoint t) { return t > now - window_; });
  e.times.erase(e.times.begin(), live);
}

bool FailureWindow::over_limit(const std::string& key, TimePoint now) { return failures(key, now) >= limit_; }

std::size_t FailureWindow::failures(const std::string& key, TimePoint now) {
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

void FailureWindow::make_room(TimePoint now) {
  // Keys are ordered by latest failure, so the front is the stalest: keys whose
  // failures all left the window come first, then the least recently failing live one.
  (void)now;
  while (entries_.size() >= max_tracked_ && !by_latest_.empty()) {
    entries_.erase(by_latest_.front());
    by_latest_.pop_front();
  }
}

void FailureWindow::record(const std::string& key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    make_room(now);
    by_latest_.push_back(key);
    it = entries_.emplace(key, Entry{{}, std::prev(by_latest_.end())}).first;
  } else {
    by_latest_.splice(by_latest_.end(), by_latest_, it->second.order);
  }
  Entry& e = it->second;
  drop_old(e, now);
  // Callers check before they record, so a key over its limit is rarely recorded again
  // and this shift (up to `limit` entries) stays off the path of a throttled flood.
  if (e.times.size() >= limit_)
    e.times.erase(e.times.begin(), e.times.end() - static_cast<std::ptrdiff_t>(limit_ - 1));
  e.times.push_back(now);
}

void FailureWindow::clear(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  by_latest_.erase(it->second.order);
  entries_.erase(it);
}

KnownAddresses::KnownAddresses(std::chrono::seconds ttl, std::size_t per_account, std::size_t max_accounts)
    : ttl_(ttl),
      per_account_(per_account == 0 ? 1 : per_account),
      max_accounts_(max_accounts == 0 ? 1 : max_accounts) {}

bool KnownAddresses::contains(const std::string& account, const std::string& group, TimePoint now) const {
  auto it = entries_.find(account);
  if (it == entries_.end()) return false;
  return std::any_of(it->second.places.begin(), it->second.places.end(),
                     [&](const Place& p) { return p.group == group && now - p.at < ttl_; });
}

void KnownAddresses::remember(const std::string& account, const std::string& group, TimePoint now) {
  auto it = entries_.find(account);
  if (it == entries_.end()) {
    // The front is the account whose latest success is oldest.
    while (entries_.size() >= max_accounts_ && !by_latest_.empty()) {
      entries_.erase(by_latest_.front());
      by_latest_.pop_front();
    }
    by_latest_.push_back(account);
    it = entries_.emplace(account, Entry{{}, std::prev(by_latest_.end())}).first;
  } else {
    by_latest_.splice(by_latest_.end(), by_latest_, it->second.order);
  }
  auto& places = it->second.places;
  std::erase_if(places, [&](const Place& p) { return p.group == group || now - p.at >= ttl_; });
  if (places.size() >= per_account_) {
    places.erase(std::min_element(places.begin(), places.end(),
                                  [](const Place& a, const Place& b) { return a.at < b.at; }));
  }
  places.push_back({group, now});
}

namespace {

// Account names hold no newline (account_rules.hpp), nor do address groups.
std::string pair_key(const std::string& account, const std::string& group) { return account + '\n' + group; }

}  // namespace

LoginThrottle::LoginThrottle(ThrottleLimits limits)
    : limits_(limits),
      pairs_(limits.account_failures, limits.window, limits.max_tracked),
      accounts_(limits.account_failures_total, limits.window, limits.max_tracked),
      addresses_(limits.address_failures, limits.window, limits.max_tracked),
      known_(limits.known_ttl, limits.known_per_account, limits.max_tracked) {}

LoginThrottle::Verdict LoginThrottle::check(const std::string& account, const std::string& group,
                                            TimePoint now) {
  if (addresses_.over_limit(group, now)) return Verdict::address_throttled;
  if (pairs_.over_limit(pair_key(account, group), now)) return Verdict::account_throttled;
  if (accounts_.over_limit(account, now) && !known_.contains(account, group, now))
    return Verdict::account_throttled;
  return Verdict::allowed;
}

void LoginThrottle::record_failure(const std::string& account, const std::string& group, TimePoint now) {
  pairs_.record(pair_key(account, group), now);
  accounts_.record(account, now);
  addresses_.record(group, now);
}

void LoginThrottle::record_success(const std::string& account, const std::string& group, TimePoint now) {
  pairs_.clear(pair_key(account, group));
  known_.remember(account, group, now);
}

}  // namespace gs::store
