// Handshakes over a simulated wire with a one-way delay and random loss each way, on a
// manual clock: the distribution of connect times our retransmission timer gives, with
// no scheduler noise. Not a test; run by hand:
//   build/tests/dtls/dtls_loss_sim [loss] [delay_ms] [count] [seed]
#include "harness.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

using namespace gs::dtls::test;
using namespace std::chrono_literals;

namespace {

struct Result {
  bool ok = false;
  double ms = 0;
  std::uint64_t client_resends = 0;
  std::uint64_t server_resends = 0;
  std::uint64_t datagrams = 0;
  std::string trace;  // one letter per datagram: c/s sent, C/S lost
};

Result one(double loss, std::chrono::milliseconds delay, unsigned seed) {
  World w;
  Peer& p = w.add_client();
  std::mt19937 rng(seed);
  std::multimap<gs::dtls::TimePoint, std::pair<bool, Bytes>> wire;
  Result r;
  auto collect = [&] {
    auto put = [&](bool to_server, Bytes d) {
      ++r.datagrams;
      const bool lost = std::uniform_real_distribution<double>(0, 1)(rng) < loss;
      const int type = d.size() > 13 && d[0] == 22 ? d[13] : d[0] == 20 ? 99 : -1;
      char buf[32];
      std::snprintf(buf, sizeof buf, " %s%d@%lld", lost ? (to_server ? "C" : "S") : (to_server ? "c" : "s"),
                    type,
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               w.now - (gs::dtls::TimePoint{} + std::chrono::hours(1)))
                                               .count()));
      r.trace += buf;
      if (!lost) wire.emplace(w.now + delay, std::make_pair(to_server, std::move(d)));
    };
    while (!p.events.out.empty()) {
      put(true, std::move(p.events.out.front()));
      p.events.out.pop_front();
    }
    while (!w.sevents.out.empty()) {
      put(false, std::move(w.sevents.out.front().second));
      w.sevents.out.pop_front();
    }
  };
  const auto start = w.now;
  p.client->start(w.now);
  collect();
  while (!(p.events.connected && !w.sevents.accepted.empty()) && !p.events.closed) {
    auto next = w.server->next_wakeup();
    if (auto c = p.client->next_wakeup()) next = std::min(next, *c);
    if (!wire.empty()) next = std::min(next, wire.begin()->first);
    if (p.events.connected) next = std::min(next, w.now + 1000ms);
    if (next - start > 20s) break;
    w.now = std::max(w.now, next);
    while (!wire.empty() && wire.begin()->first <= w.now) {
      auto [to_server, d] = std::move(wire.begin()->second);
      wire.erase(wire.begin());
      if (to_server) {
        w.server->receive(p.addr, d, w.now);
      } else {
        p.client->receive(d, w.now);
      }
      if (!r.ok && p.events.connected)
        r.ms = std::chrono::duration<double, std::milli>(w.now - start).count();
      r.ok = r.ok || p.events.connected;
      collect();
    }
    w.server->update(w.now);
    p.client->update(w.now);
    collect();
  }
  r.ok = p.events.connected;
  r.client_resends = p.client->retransmissions();
  r.server_resends = w.server->stats().retransmissions + w.server->stats().final_flights_resent;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const double loss = argc > 1 ? std::atof(argv[1]) : 0.1;
  const auto delay = std::chrono::milliseconds(argc > 2 ? std::atoi(argv[2]) : 20);
  const int count = argc > 3 ? std::atoi(argv[3]) : 1000;
  const unsigned seed = argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : 1;
  std::vector<Result> results;
  int failed = 0;
  std::uint64_t datagrams = 0;
  for (int i = 0; i < count; ++i) {
    results.push_back(one(loss, delay, seed * 100'000 + static_cast<unsigned>(i)));
    failed += results.back().ok ? 0 : 1;
    datagrams += results.back().datagrams;
  }
  std::sort(results.begin(), results.end(), [](const Result& a, const Result& b) { return a.ms < b.ms; });
  auto rank = [&](double q) { return results[static_cast<std::size_t>(q * (results.size() - 1) + 0.5)].ms; };
  std::printf("failed %d of %d; p50 %.0f p90 %.0f p99 %.0f max %.0f ms; %.2f datagrams per handshake\n",
              failed, count, rank(0.5), rank(0.9), rank(0.99), results.back().ms,
              static_cast<double>(datagrams) / count);
  for (std::size_t i = results.size() - std::min<std::size_t>(results.size(), 15); i < results.size(); ++i)
    std::printf("%6.0f ms%s\n", results[i].ms, results[i].trace.c_str());
  return 0;
}
