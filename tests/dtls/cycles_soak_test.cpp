// Soak: 10,000 full DTLS connect/close cycles against one server leave no memory behind.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <malloc.h>

using namespace gs::dtls::test;

TEST_CASE("10,000 connect/disconnect cycles: no growth") {
  World w;
  const auto addr = gs::net::Address::v4(0x0e000001u, 7000);
  auto cycle = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ClientEvents ev;
      gs::dtls::Client c(w.default_ctx(), ev);
      c.start(w.now);
      for (int r = 0; r < 20 && (!ev.out.empty() || !w.sevents.out.empty()); ++r) {
        while (!ev.out.empty()) {
          w.server->receive(addr, ev.out.front(), w.now);
          ev.out.pop_front();
        }
        while (!w.sevents.out.empty()) {
          c.receive(w.sevents.out.front().second, w.now);
          w.sevents.out.pop_front();
        }
      }
      REQUIRE(c.connected());
      if (i % 2 == 0) {
        c.close();  // client sends close_notify
        while (!ev.out.empty()) {
          w.server->receive(addr, ev.out.front(), w.now);
          ev.out.pop_front();
        }
      } else {
        w.server->close(w.sevents.accepted.back());  // server sends close_notify
      }
      w.sevents = ServerEvents{};
    }
  };
  cycle(50);
  const auto before = mallinfo2().uordblks;
  cycle(10000);
  const auto after = mallinfo2().uordblks;
  MESSAGE("heap in use before " << before << ", after 10,000 cycles " << after);
  CHECK(w.server->peer_count() == 0);
  CHECK(after <= before + 16 * 1024);
}
