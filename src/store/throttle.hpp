#pragma once
// Failed-login throttling, over a sliding window. Sans-clock: every call takes `now`.
// Not thread-safe: the auth role's event loop owns it.
//
// Three counts, each throttling while it holds at least its limit of failures within the
// last `window`; over a limit the auth role answers `throttled` without hashing, so a
// guessing attack costs the server almost nothing:
//   - per address group (store/address_group.hpp): one host guessing at many accounts;
//   - per account and address group: one host guessing at one account. A stranger's
//     failures do not lock the owner out at the owner's own address;
//   - per account from every group, a far higher ceiling: a guess spread over many
//     hosts. It does not apply at a group the account has logged in from with the right
//     password within `known_ttl` (KnownAddresses), so the owner at a usual place
//     still gets in while the ceiling holds everyone else back.
//
// Memory is bounded: at most `max_tracked` keys per table (four tables), each failure
// table holding at most its limit of timestamps (8 bytes each) per key. A key costs
// about 250 bytes with one timestamp (measured in tests/store/throttle_test.cpp): the
// defaults (100000 keys) take about 100 MB with every table full, up to 100 MB more if
// every failure key also held its limit of timestamps. When a table is full, keys whose
// failures have all left the window go first; if every key is still live, the one whose
// latest failure is oldest is forgotten. Refusing instead would let one attacker spraying addresses or
// names lock every new user out; forgetting costs at most one key's history at a time,
// and an attacker must keep max_tracked keys failing within the window to cause it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gs::store {

struct ThrottleLimits {
  // Failures of one account from one address group within `window` after which that
  // pair is throttled.
  std::uint32_t account_failures = 5;
  // Failures from one address group within `window` after which it is throttled.
  std::uint32_t address_failures = 20;
  // Length of the sliding window.
  std::chrono::seconds window{300};
  // Keys remembered per table; see the header comment for what each costs.
  std::size_t max_tracked = 100000;
  // Failures of one account from all address groups within `window` after which it is
  // throttled everywhere but at its known address groups.
  std::uint32_t account_failures_total = 100;
  // How long a successful login keeps its address group known for the account.
  std::chrono::seconds known_ttl{std::chrono::hours(24 * 30)};
  // Known address groups kept per account; the least recent is replaced.
  std::size_t known_per_account = 4;
};

// The address groups each account has recently logged in from with the right password.
// At most `max_accounts` accounts (the one whose latest success is oldest is forgotten
// first) and `per_account` groups each; a group is known for `ttl` after its last success.
class KnownAddresses {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  KnownAddresses(std::chrono::seconds ttl, std::size_t per_account, std::size_t max_accounts);

  bool contains(const std::string& account, const std::string& group, TimePoint now) const;
  void remember(const std::string& account, const std::string& group, TimePoint now);
  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Place {
    std::string group;
    TimePoint at;
  };
  struct Entry {
    std::vector<Place> places;               // at most per_account_
    std::list<std::string>::iterator order;  // position in by_latest_
  };

  std::chrono::seconds ttl_;
  std::size_t per_account_;
  std::size_t max_accounts_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> by_latest_;  // accounts by latest success, oldest first
};

class FailureWindow {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  FailureWindow(std::uint32_t limit, std::chrono::seconds window, std::size_t max_tracked);

  // True when `key` has at least `limit` failures in (now - window, now].
  bool over_limit(const std::string& key, TimePoint now);
  void record(const std::string& key, TimePoint now);
  void clear(const std::string& key);

  std::size_t tracked() const { return entries_.size(); }
  std::size_t failures(const std::string& key, TimePoint now);

 private:
  struct Entry {
    std::vector<TimePoint> times;            // at most limit_, oldest first
    std::list<std::string>::iterator order;  // position in by_latest_
  };

  void drop_old(Entry& e, TimePoint now) const;
  void make_room(TimePoint now);  // evicts until one more key fits

  std::uint32_t limit_;
  std::chrono::seconds window_;
  std::size_t max_tracked_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> by_latest_;  // keys by latest failure, oldest first
};

class LoginThrottle {
 public:
  using TimePoint = FailureWindow::TimePoint;

  enum class Verdict : std::uint8_t { allowed, account_throttled, address_throttled };

  explicit LoginThrottle(ThrottleLimits limits);

  // Whether a login attempt for `account` (normalised) from address group `group`
  // may be checked.
  Verdict check(const std::string& account, const std::string& group, TimePoint now);
  // A wrong password (or an unknown account) for this pair.
  void record_failure(const std::string& account, const std::string& group, TimePoint now);
  // A correct password: the pair's failures are forgiven and the group becomes known
  // for the account. The group's failures and the account's total are not (one good
  // account must not launder a group that guesses at others, nor the owner's login
  // reset the count of a guess spread over many hosts).
  void record_success(const std::string& account, const std::string& group, TimePoint now);

  const ThrottleLimits& limits() const { return limits_; }
  std::size_t tracked_accounts() const { return accounts_.tracked(); }
  std::size_t tracked_pairs() const { return pairs_.tracked(); }
  std::size_t tracked_addresses() const { return addresses_.tracked(); }
  std::size_t tracked_known() const { return known_.tracked(); }

 private:
  ThrottleLimits limits_;
  FailureWindow pairs_;      // by account and group
  FailureWindow accounts_;   // by account, all groups
  FailureWindow addresses_;  // by group
  KnownAddresses known_;
};

}  // namespace gs::store
