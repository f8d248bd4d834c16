#include <doctest/doctest.h>

#include "store/throttle.hpp"

#include <malloc.h>

#include <string>

using namespace gs::store;
using namespace std::chrono_literals;
using Verdict = LoginThrottle::Verdict;

namespace {
const LoginThrottle::TimePoint t0{std::chrono::hours(1000)};

ThrottleLimits small() {
  ThrottleLimits l;
  l.account_failures = 3;
  l.address_failures = 5;
  l.window = 60s;
  l.max_tracked = 100;
  return l;
}
}  // namespace

TEST_CASE("an account is throttled at one address after its limit of failures there") {
  LoginThrottle t(small());
  for (int i = 0; i < 3; ++i) {
    CHECK(t.check("alice", "10.0.0.1", t0) == Verdict::allowed);
    t.record_failure("alice", "10.0.0.1", t0 + std::chrono::seconds(i));
  }
  CHECK(t.check("alice", "10.0.0.1", t0 + 3s) == Verdict::account_throttled);
  CHECK(t.check("alice", "10.0.0.2", t0 + 3s) == Verdict::allowed);  // the owner elsewhere
  CHECK(t.check("bob", "10.0.0.1", t0 + 3s) == Verdict::allowed);
}

TEST_CASE("an account's failures from every address meet a higher ceiling") {
  auto l = small();
  l.account_failures_total = 6;
  LoginThrottle t(l);
  for (int i = 0; i < 6; ++i) t.record_failure("alice", "10.0.0." + std::to_string(i), t0);
  CHECK(t.check("alice", "10.0.1.1", t0) == Verdict::account_throttled);
  CHECK(t.check("bob", "10.0.1.1", t0) == Verdict::allowed);
  CHECK(t.check("alice", "10.0.1.1", t0 + 60s) == Verdict::allowed);  // the window slid past
}

TEST_CASE("the ceiling spares an address the account logged in from, for the known ttl") {
  auto l = small();
  l.account_failures_total = 6;
  l.known_ttl = 3600s;
  LoginThrottle t(l);
  t.record_success("alice", "home", t0);
  for (int i = 0; i < 6; ++i) t.record_failure("alice", "10.0.0." + std::to_string(i), t0 + 1s);
  CHECK(t.check("alice", "home", t0 + 2s) == Verdict::allowed);
  CHECK(t.check("alice", "elsewhere", t0 + 2s) == Verdict::account_throttled);
  // Known does not mean exempt from its own failures.
  for (int i = 0; i < 3; ++i) t.record_failure("alice", "home", t0 + 2s);
  CHECK(t.check("alice", "home", t0 + 3s) == Verdict::account_throttled);
  // Nor forever.
  LoginThrottle u(l);
  u.record_success("alice", "home", t0);
  for (int i = 0; i < 6; ++i) u.record_failure("alice", "10.0.0." + std::to_string(i), t0 + 3600s);
  CHECK(u.check("alice", "home", t0 + 3600s) == Verdict::account_throttled);
}

TEST_CASE("the window slides: old failures stop counting one by one") {
  LoginThrottle t(small());
  t.record_failure("alice", "a", t0);
  t.record_failure("alice", "a", t0 + 10s);
  t.record_failure("alice", "a", t0 + 20s);
  CHECK(t.check("alice", "a", t0 + 59s) == Verdict::account_throttled);
  CHECK(t.check("alice", "a", t0 + 60s) == Verdict::allowed);  // the first left the window
  t.record_failure("alice", "a", t0 + 61s);
  CHECK(t.check("alice", "a", t0 + 61s) == Verdict::account_throttled);
  CHECK(t.check("alice", "a", t0 + 70s) == Verdict::allowed);
}

TEST_CASE("an address is throttled across accounts") {
  LoginThrottle t(small());
  for (int i = 0; i < 5; ++i) t.record_failure("user" + std::to_string(i), "10.0.0.9", t0);
  CHECK(t.check("someone", "10.0.0.9", t0) == Verdict::address_throttled);
  CHECK(t.check("someone", "10.0.0.8", t0) == Verdict::allowed);
}

TEST_CASE("success forgives the account at that address, not the address nor other addresses") {
  auto l = small();
  l.account_failures_total = 6;
  LoginThrottle t(l);
  for (int i = 0; i < 3; ++i) t.record_failure("alice", "a", t0);
  for (int i = 0; i < 2; ++i) t.record_failure("bob", "a", t0);
  for (int i = 0; i < 3; ++i) t.record_failure("alice", "b", t0);
  t.record_success("alice", "a", t0);
  CHECK(t.check("alice", "a", t0) == Verdict::address_throttled);  // five failures at a
  CHECK(t.tracked_pairs() == 2);                                   // alice at b, bob at a
  CHECK(t.check("alice", "b", t0) == Verdict::account_throttled);
  CHECK(t.check("alice", "c", t0) == Verdict::account_throttled);  // six in total stay counted
  CHECK(t.check("carol", "a", t0) == Verdict::address_throttled);
}

TEST_CASE("memory stays bounded under a spray of keys") {
  auto l = small();
  l.max_tracked = 50;
  LoginThrottle t(l);
  for (int i = 0; i < 10000; ++i)
    t.record_failure("user" + std::to_string(i), "addr" + std::to_string(i),
                     t0 + std::chrono::milliseconds(i));
  CHECK(t.tracked_accounts() <= 50);
  CHECK(t.tracked_pairs() <= 50);
  CHECK(t.tracked_addresses() <= 50);
  for (int i = 0; i < 10000; ++i)
    t.record_success("user" + std::to_string(i), "addr" + std::to_string(i), t0);
  CHECK(t.tracked_known() <= 50);
  // The most recent keys are the ones kept.
  FailureWindow w(3, 60s, 2);
  w.record("a", t0);
  w.record("b", t0 + 1s);
  w.record("a", t0 + 2s);  // a is now the most recent
  w.record("c", t0 + 3s);  // evicts b
  CHECK(w.failures("a", t0 + 3s) == 2);
  CHECK(w.failures("b", t0 + 3s) == 0);
  CHECK(w.failures("c", t0 + 3s) == 1);
}

TEST_CASE("each key keeps at most `limit` timestamps") {
  FailureWindow w(3, 60s, 10);
  for (int i = 0; i < 100; ++i) w.record("k", t0);
  CHECK(w.failures("k", t0) == 3);
  CHECK(w.over_limit("k", t0));
  CHECK_FALSE(w.over_limit("k", t0 + 60s));
  CHECK(w.tracked() == 0);  // an entry with no live failures is dropped on sight
}

TEST_CASE("an account keeps a bounded number of known addresses, the most recent") {
  KnownAddresses k(3600s, 2, 10);
  k.remember("alice", "a", t0);
  k.remember("alice", "b", t0 + 1s);
  k.remember("alice", "a", t0 + 2s);  // a is now the most recent
  k.remember("alice", "c", t0 + 3s);  // replaces b
  CHECK(k.contains("alice", "a", t0 + 3s));
  CHECK_FALSE(k.contains("alice", "b", t0 + 3s));
  CHECK(k.contains("alice", "c", t0 + 3s));
  CHECK_FALSE(k.contains("bob", "a", t0 + 3s));
  CHECK_FALSE(k.contains("alice", "a", t0 + 2s + 3600s));
}

// The bytes docs/SECURITY.md and throttle.hpp quote: every table full (the default
// 100000 keys each) from a spray of new names and new IPv6 /64s, one failure each.
TEST_CASE("memory of full throttle tables, per key") {
  const auto before = mallinfo2().uordblks;
  {
    LoginThrottle t(ThrottleLimits{});
    for (int i = 0; i < 100000; ++i) {
      const auto group = "v6:2001:db8:" + std::to_string(i / 1000) + ":" + std::to_string(i % 1000) + "::/64";
      t.record_failure("random" + std::to_string(i), group, t0);
      t.record_success("player" + std::to_string(i), group, t0);
    }
    const auto used = mallinfo2().uordblks - before;
    const auto keys = t.tracked_accounts() + t.tracked_pairs() + t.tracked_addresses() + t.tracked_known();
    CHECK(keys == 400000);
    MESSAGE("throttle tables: ", used / 1000000.0, " MB for ", keys, " keys (", used / keys,
            " bytes per key)");
  }
}
