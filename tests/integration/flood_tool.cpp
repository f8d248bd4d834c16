// gameserver_flood: unauthenticated traffic against a server, for the flood tests and
// for trying a deployment by hand (loopback or a lab network only).
//
//   gameserver_flood spray --target HOST:PORT [--target ...] [--hellos N] [--mutants N]
//                          [--randoms N] [--sockets N] [--rate PER_S] [--seed N] [--source IP]
//   gameserver_flood hold --target HOST:PORT --count N [--complete] [--seconds S]
//                         [--refill MS] [--step-ms MS] [--source IP]
//   gameserver_flood ping --target HOST:PORT [--seconds S] [--source IP]
//
// spray prints one JSON object (SprayResult) when done; hold prints one when its
// handshakes are in place ({"attempted","cookies","established","seconds"}) and exits
// after holding them for S seconds (default 10); with --refill it opens a fresh set
// from new ports every MS milliseconds meanwhile (one line each), so that slots freed
// by the server's handshake timeout are taken again. ping runs refused_pinger() for S
// seconds and prints its PingerResult. --source binds every socket to that loopback
// address (default 127.0.0.1), standing for another host.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "flood.hpp"

namespace flood = gs::test::flood;

namespace {

int usage() {
  std::fputs(
      "usage: gameserver_flood spray --target HOST:PORT [--target ...] [--hellos N] [--mutants N] [--randoms "
      "N]\n"
      "                              [--sockets N] [--rate PER_S] [--seed N]\n"
      "       gameserver_flood hold --target HOST:PORT --count N [--complete] [--seconds S] [--refill MS]\n"
      "                             [--step-ms MS] [--source IP]\n"
      "       gameserver_flood ping --target HOST:PORT [--seconds S] [--source IP]\n",
      stderr);
  return 2;
}

int hold(const flood::SprayOptions& o, std::size_t count, bool complete, double seconds, long refill_ms,
         long step_ms) {
  using Clock = std::chrono::steady_clock;
  const auto end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  do {
    flood::HeldHandshakes held(o.targets.front(), count, complete, std::chrono::milliseconds(step_ms),
                               o.source);
    const auto& r = held.result();
    std::printf("%s\n", fmt::format(R"({{"attempted":{},"cookies":{},"established":{},"seconds":{:.2f}}})",
                                    r.attempted, r.cookies, r.established, r.seconds)
                            .c_str());
    std::fflush(stdout);
    auto until = refill_ms > 0 ? std::min(end, Clock::now() + std::chrono::milliseconds(refill_ms)) : end;
    std::this_thread::sleep_until(until);
  } while (Clock::now() < end);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1];
  flood::SprayOptions spray;
  std::size_t count = 0;
  bool complete = false;
  double seconds = 10;
  long refill_ms = 0;
  long step_ms = 3000;
  try {
    for (int i = 2; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--target")
        spray.targets.push_back(flood::parse_target(value()));
      else if (arg == "--hellos")
        spray.hellos = std::stoul(value());
      else if (arg == "--mutants")
        spray.mutants = std::stoul(value());
      else if (arg == "--randoms")
        spray.randoms = std::stoul(value());
      else if (arg == "--sockets")
        spray.sockets = std::stoul(value());
      else if (arg == "--rate")
        spray.rate = std::stod(value());
      else if (arg == "--seed")
        spray.seed = std::stoull(value());
      else if (arg == "--count")
        count = std::stoul(value());
      else if (arg == "--complete")
        complete = true;
      else if (arg == "--seconds")
        seconds = std::stod(value());
      else if (arg == "--refill")
        refill_ms = std::stol(value());
      else if (arg == "--step-ms")
        step_ms = std::stol(value());
      else if (arg == "--source")
        spray.source = flood::parse_source(value());
      else
        throw std::invalid_argument("unknown option " + arg);
    }
    if (spray.targets.empty()) throw std::invalid_argument("--target is required");
    if (mode == "spray") {
      auto result = flood::spray(spray);
      std::printf("%s\n", result.json().c_str());
      return 0;
    }
    if (mode == "hold") return hold(spray, count, complete, seconds, refill_ms, step_ms);
    if (mode == "ping") {
      auto r = flood::refused_pinger(spray.targets.front(),
                                     std::chrono::milliseconds(static_cast<long>(seconds * 1000)),
                                     std::chrono::milliseconds(50), spray.source);
      std::printf("%s\n", r.json().c_str());
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gameserver_flood: %s\n", e.what());
    return 2;
  }
  return usage();
}
