#pragma once
// Failed-login throttling per account and per client address, over a sliding window.
// Sans-clock: every call takes `now`. Not thread-safe: the auth role's event loop owns it.
//
// A key (account name or address) is throttled while it has at least `limit` failures
// within the last `window`. Over the limit the auth role answers `throttled` without
// hashing, so a guessing attack costs the server almost nothing.
//
// Memory is bounded: at most `max_tracked` keys per kind, each holding at most `limit`
// timestamps. When a table is full, keys whose failures have all left the window go
// first; if every key is still live, the one whose latest failure is oldest is
// forgotten. Refusing instead would let one attacker spraying addresses or names lock
// every new user out; forgetting costs at most one key's history at a time, and an
// attacker must keep max_tracked keys failing within the window to cause it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gs::store {

struct throttle_limits {
    // Failures of one account within `window` after which it is throttled.
    std::uint32_t account_failures = 5;
    // Failures from one client address within `window` after which it is throttled.
    std::uint32_t address_failures = 20;
    // Length of the sliding window.
    std::chrono::seconds window{300};
    // Keys remembered per kind (accounts, addresses); about 200 bytes each at most limits.
    std::size_t max_tracked = 100000;
};

class failure_window {
public:
    using time_point = std::chrono::steady_clock::time_point;

    failure_window(std::uint32_t limit, std::chrono::seconds window, std::size_t max_tracked);

    // True when `key` has at least `limit` failures in (now - window, now].
    bool over_limit(const std::string& key, time_point now);
    void record(const std::string& key, time_point now);
    void clear(const std::string& key);

    std::size_t tracked() const { return entries_.size(); }
    std::size_t failures(const std::string& key, time_point now);

private:
    struct entry {
        std::deque<time_point> times;                 // at most limit_, oldest first
        std::list<std::string>::iterator order;       // position in by_latest_
    };

    void drop_old(entry& e, time_point now) const;
    void make_room(time_point now);  // evicts until one more key fits

    std::uint32_t limit_;
    std::chrono::seconds window_;
    std::size_t max_tracked_;
    std::unordered_map<std::string, entry> entries_;
    std::list<std::string> by_latest_;  // keys by latest failure, oldest first
};

class login_throttle {
public:
    using time_point = failure_window::time_point;

    enum class verdict : std::uint8_t { allowed, account_throttled, address_throttled };

    explicit login_throttle(throttle_limits limits);

    // Whether a login attempt for `account` (normalised) from `address` may be checked.
    verdict check(const std::string& account, const std::string& address, time_point now);
    // A wrong password (or an unknown account) for this pair.
    void record_failure(const std::string& account, const std::string& address, time_point now);
    // A correct password: the account's failures are forgiven, the address's are not
    // (one good account must not launder an address that guesses at others).
    void record_success(const std::string& account);

    const throttle_limits& limits() const { return limits_; }
    std::size_t tracked_accounts() const { return accounts_.tracked(); }
    std::size_t tracked_addresses() const { return addresses_.tracked(); }

private:
    throttle_limits limits_;
    failure_window accounts_;
    failure_window addresses_;
};

}  // namespace gs::store
