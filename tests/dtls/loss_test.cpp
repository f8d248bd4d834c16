#include "harness.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <random>

using namespace gs::dtls::test;
using namespace std::chrono_literals;

namespace {

[[maybe_unused]] int handshake_type(const Bytes& d) {
  return d.size() > 13 && d[0] == gs::dtls::kContentHandshake ? d[13] : -1;
}

std::string describe(const Bytes& d) {
  std::string s;
  for (std::size_t at = 0; at + 13 <= d.size();) {
    std::size_t len = (std::size_t{d[at + 11]} << 8) | d[at + 12];
    int epoch = d[at + 4];
    char buf[64];
    if (d[at] == 22 && epoch == 0 && at + 13 < d.size())
      std::snprintf(buf, sizeof buf, "hs%d ", d[at + 13]);
    else
      std::snprintf(buf, sizeof buf, "ct%d/e%d ", d[at], epoch);
    s += buf;
    at += 13 + len;
  }
  return s;
}

}  // namespace

TEST_CASE("explore: random loss") {
  int failures = 0;
  for (unsigned seed = 1; seed <= 1000; ++seed) {
    World w;
    Peer& p = w.add_client();
    std::mt19937 rng(seed);
    std::vector<std::string> log;
    auto drop = [&](bool to_server, const Bytes& d) {
      bool lost = std::uniform_real_distribution<double>(0, 1)(rng) < 0.1;
      log.push_back(std::string(to_server ? "C>S " : "S>C ") + (lost ? "LOST " : "") + describe(d));
      return lost;
    };
    p.client->start(w.now);
    w.pump(drop);
    auto start = w.now;
    while (!(p.events.connected && !w.sevents.accepted.empty()) && w.now - start < 20s && !p.events.closed) {
      w.advance(10ms);
      w.pump(drop);
    }
    bool ok = p.events.connected && !w.sevents.accepted.empty();
    if (!ok) {
      ++failures;
      if (failures <= 3) {
        std::printf("seed %u failed: client %d server %zu closed %d\n", seed, p.events.connected,
                    w.sevents.accepted.size(), p.events.closed ? int(*p.events.closed) : -1);
        for (auto& l : log) std::printf("  %s\n", l.c_str());
      }
    }
  }
  std::printf("failures %d of 1000\n", failures);
}
