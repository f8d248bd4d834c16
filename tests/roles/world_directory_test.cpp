#include <doctest/doctest.h>

#include "roles/auth/world_directory.hpp"

using namespace gs::roles;
using namespace std::chrono_literals;

TEST_CASE("the requested world is chosen when it has room, otherwise the least loaded") {
  WorldDirectory worlds(10s);
  WorldDirectory::Time now{};
  worlds.report("w1", "a:1", 100, 80, now);
  worlds.report("w2", "a:2", 10, 2, now);
  worlds.report("w3", "a:3", 1000, 500, now);
  CHECK(worlds.pick("w1", now)->id == "w1");
  CHECK(worlds.pick("", now)->id == "w2");  // 20% full
  CHECK(worlds.pick("nowhere", now)->id == "w2");
}

TEST_CASE("a full world is skipped, logins in flight count against its room") {
  WorldDirectory worlds(10s);
  WorldDirectory::Time now{};
  worlds.report("w1", "a:1", 2, 1, now);
  CHECK(worlds.pick("w1", now)->id == "w1");  // now 1 player + 1 pending
  CHECK_FALSE(worlds.pick("w1", now).has_value());
  worlds.report("w1", "a:1", 2, 1, now);  // the report resets pending
  CHECK(worlds.pick("", now).has_value());
}

TEST_CASE("a world that stops reporting leaves the selection and rejoins when it reports again") {
  WorldDirectory worlds(10s);
  WorldDirectory::Time now{};
  worlds.report("w1", "a:1", 10, 0, now);
  CHECK(worlds.live(now + 10s) == 1);
  CHECK_FALSE(worlds.pick("", now + 11s).has_value());
  CHECK(worlds.live(now + 11s) == 0);
  worlds.report("w1", "a:1", 10, 0, now + 12s);
  CHECK(worlds.pick("", now + 12s)->id == "w1");
  worlds.remove("w1");
  CHECK(worlds.live(now + 12s) == 0);
}
