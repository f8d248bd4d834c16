#include <doctest/doctest.h>

#include "store/throttle.hpp"

using namespace gs::store;
using namespace std::chrono_literals;
using verdict = login_throttle::verdict;

namespace {
const login_throttle::time_point t0{std::chrono::hours(1000)};

throttle_limits small() {
    throttle_limits l;
    l.account_failures = 3;
    l.address_failures = 5;
    l.window = 60s;
    l.max_tracked = 100;
    return l;
}
}  // namespace

TEST_CASE("an account is throttled after its limit of failures in the window") {
    login_throttle t(small());
    for (int i = 0; i < 3; ++i) {
        CHECK(t.check("alice", "10.0.0.1", t0) == verdict::allowed);
        t.record_failure("alice", "10.0.0.1", t0 + std::chrono::seconds(i));
    }
    CHECK(t.check("alice", "10.0.0.1", t0 + 3s) == verdict::account_throttled);
    CHECK(t.check("alice", "10.0.0.2", t0 + 3s) == verdict::account_throttled);  // any address
    CHECK(t.check("bob", "10.0.0.1", t0 + 3s) == verdict::allowed);
}

TEST_CASE("the window slides: old failures stop counting one by one") {
    login_throttle t(small());
    t.record_failure("alice", "a", t0);
    t.record_failure("alice", "a", t0 + 10s);
    t.record_failure("alice", "a", t0 + 20s);
    CHECK(t.check("alice", "a", t0 + 59s) == verdict::account_throttled);
    CHECK(t.check("alice", "a", t0 + 60s) == verdict::allowed);  // the first left the window
    t.record_failure("alice", "a", t0 + 61s);
    CHECK(t.check("alice", "a", t0 + 61s) == verdict::account_throttled);
    CHECK(t.check("alice", "a", t0 + 70s) == verdict::allowed);
}

TEST_CASE("an address is throttled across accounts") {
    login_throttle t(small());
    for (int i = 0; i < 5; ++i) t.record_failure("user" + std::to_string(i), "10.0.0.9", t0);
    CHECK(t.check("someone", "10.0.0.9", t0) == verdict::address_throttled);
    CHECK(t.check("someone", "10.0.0.8", t0) == verdict::allowed);
}

TEST_CASE("success forgives the account, not the address") {
    login_throttle t(small());
    for (int i = 0; i < 3; ++i) t.record_failure("alice", "a", t0);
    for (int i = 0; i < 2; ++i) t.record_failure("bob", "a", t0);
    t.record_success("alice");
    CHECK(t.check("alice", "b", t0) == verdict::allowed);
    CHECK(t.check("carol", "a", t0) == verdict::address_throttled);
}

TEST_CASE("memory stays bounded under a spray of keys") {
    auto l = small();
    l.max_tracked = 50;
    login_throttle t(l);
    for (int i = 0; i < 10000; ++i)
        t.record_failure("user" + std::to_string(i), "addr" + std::to_string(i),
                         t0 + std::chrono::milliseconds(i));
    CHECK(t.tracked_accounts() <= 50);
    CHECK(t.tracked_addresses() <= 50);
    // The most recent keys are the ones kept.
    failure_window w(3, 60s, 2);
    w.record("a", t0);
    w.record("b", t0 + 1s);
    w.record("a", t0 + 2s);  // a is now the most recent
    w.record("c", t0 + 3s);  // evicts b
    CHECK(w.failures("a", t0 + 3s) == 2);
    CHECK(w.failures("b", t0 + 3s) == 0);
    CHECK(w.failures("c", t0 + 3s) == 1);
}

TEST_CASE("each key keeps at most `limit` timestamps") {
    failure_window w(3, 60s, 10);
    for (int i = 0; i < 100; ++i) w.record("k", t0);
    CHECK(w.failures("k", t0) == 3);
    CHECK(w.over_limit("k", t0));
    CHECK_FALSE(w.over_limit("k", t0 + 60s));
    CHECK(w.tracked() == 0);  // an entry with no live failures is dropped on sight
}
