#include <doctest/doctest.h>

#include "common/busy_poll_window.hpp"

using namespace std::chrono_literals;
using gs::BusyPollWindow;

TEST_CASE("a zero limit never polls, whatever the gaps") {
  BusyPollWindow w(0us);
  CHECK(w.window() == 0us);
  for (int i = 0; i < 10; ++i) w.idle_gap(1us);
  CHECK(w.window() == 0us);
}

TEST_CASE("the window starts at the limit and stays there while gaps are short") {
  BusyPollWindow w(48us);
  CHECK(w.window() == 48us);
  for (int i = 0; i < 100; ++i) w.idle_gap(10us);
  CHECK(w.window() == 48us);
  w.idle_gap(48us);  // exactly the limit: a full window would have caught it
  CHECK(w.window() == 48us);
}

TEST_CASE("gaps longer than the limit halve the window down to zero") {
  BusyPollWindow w(48us);
  const std::chrono::nanoseconds expected[] = {24us, 12us, 6us, 0us};
  for (auto e : expected) {
    w.idle_gap(49us);
    CHECK(w.window() == e);
  }
  w.idle_gap(1s);
  CHECK(w.window() == 0us);
}

TEST_CASE("short gaps grow a closed window again, from an eighth of the limit, doubling") {
  BusyPollWindow w(48us);
  for (int i = 0; i < 5; ++i) w.idle_gap(1ms);
  REQUIRE(w.window() == 0us);
  const std::chrono::nanoseconds expected[] = {6us, 12us, 24us, 48us, 48us};
  for (auto e : expected) {
    w.idle_gap(3us);
    CHECK(w.window() == e);
  }
}

TEST_CASE("traffic that alternates short and long gaps keeps a window but never above the limit") {
  BusyPollWindow w(48us);
  for (int i = 0; i < 50; ++i) {
    w.idle_gap(5us);
    CHECK(w.window() <= 48us);
    w.idle_gap(5ms);
    CHECK(w.window() > 0us);
  }
}
