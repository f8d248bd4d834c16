// The whole stack under loss: DTLS, channel, session and the three roles in this
// process, with every UDP endpoint (the roles' listening and link sockets and the
// client's) impaired: 10% loss, 10% duplication, 50 ms one-way delay. A player logs
// in through gateway and auth, joins the world, and sends 1,000 chat lines that the
// world sends back reliably: each must arrive once and in order.
//
// The handshakes run under the same loss, on their own resend timer (250 ms, three
// resends, then doubling: dtls/retransmit.hpp); a login that still fails is retried (as a
// player would) and the attempts are reported. The impairment is on from the first datagram;
// nothing waits for the handshakes to finish before turning it on.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <numeric>

#include "lossy_support.hpp"
#include "net/udp_endpoint.hpp"
#include "support/deployment.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;

namespace {

gs::impair::Settings lossy_network(double loss) {
  gs::impair::Settings s;
  s.loss = loss;
  s.duplicate = 0.1;
  s.latency = 50ms;
  return s;
}

}  // namespace

TEST_CASE(
    "at 10% loss, 10% duplication and 50 ms a player logs in and 1,000 reliable messages arrive once, in "
    "order") {
  gs::test::Deployment d("lossy");
  gs::test::allow_lossy_load(d.config, 1);
  gs::test::add_account(d.config, "alice", "correct horse");
  const auto network = lossy_network(0.1);
  // GAMESERVER_LOSSY_SEED=N runs the same test with other losses.
  const char* seed_env = std::getenv("GAMESERVER_LOSSY_SEED");
  const std::uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : 1701;
  gs::test::RunningRoles roles(d.config, {"auth", "gateway", "world"}, network, seed);

  auto options = gs::test::client_options(d.config);
  options.impairment = network;
  options.impairment_seed = seed + 1;
  options.timeout = 30s;  // generous: a stage under 10% loss may resend several flights
  gs::test::LossyPlayers players(options, {"alice"}, "correct horse");
  auto r = players.run(1000, 10, 90s, 60s);

  for (const auto& [why, n] : r.failures) MESSAGE("failed login attempts: " << n << " " << why);
  MESSAGE("login attempts: " << r.login_attempts);
  // The impairment was on, on every socket, at its rates.
  const auto totals = gs::net::UdpEndpoint::impairment_totals();
  MESSAGE("datagrams sent " << totals.sent << ", lost " << totals.lost << ", duplicated "
                            << totals.duplicated);
  CHECK(totals.sent > 200);  // the channel packs several messages into a datagram
  // Within 5 standard deviations of the binomial.
  const double n = static_cast<double>(totals.sent), p = 0.1;
  CHECK(std::abs(static_cast<double>(totals.lost) - n * p) <= 5 * std::sqrt(n * p * (1 - p)));
  CHECK(totals.duplicated > 0);
  REQUIRE(r.joined == 1);
  std::vector<int> expected(1000);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(r.received[0].size() == 1000);
  CHECK(r.received[0] == expected);
  CHECK(r.disconnects.empty());
}
