#include <doctest/doctest.h>

#include "crypto/jti_cache.hpp"

using namespace gs::crypto;
using namespace std::chrono_literals;

TEST_CASE("jti_cache remembers ids until their time, bounded, refusing when full") {
  const JtiCache::TimePoint t0{std::chrono::seconds(1000)};
  JtiCache c(2);
  CHECK(c.record("a", t0 + 10s, t0) == JtiCache::Outcome::recorded);
  CHECK(c.record("a", t0 + 10s, t0 + 1s) == JtiCache::Outcome::reused);
  CHECK(c.record("b", t0 + 20s, t0) == JtiCache::Outcome::recorded);
  CHECK(c.record("c", t0 + 20s, t0 + 5s) == JtiCache::Outcome::full);
  CHECK(c.contains("a"));
  CHECK_FALSE(c.contains("c"));
  // At exactly forget_after the id is still remembered; a second later it is gone.
  CHECK(c.record("a", t0 + 10s, t0 + 10s) == JtiCache::Outcome::reused);
  CHECK(c.record("c", t0 + 30s, t0 + 11s) == JtiCache::Outcome::recorded);
  CHECK_FALSE(c.contains("a"));
  CHECK(c.size() == 2);
  CHECK(c.record("d", t0 + 30s, t0 + 21s) == JtiCache::Outcome::recorded);
  CHECK(c.size() == 2);
}
