// gameserver_flood: unauthenticated traffic against a server, for the flood tests and
// for trying a deployment by hand (loopback or a lab network only).
//
//   gameserver_flood spray --target HOST:PORT [--target ...] [--hellos N] [--mutants N]
//                          [--randoms N] [--sockets N] [--rate PER_S] [--seed N]
//   gameserver_flood hold --target HOST:PORT --count N [--complete] [--seconds S]
//
// spray prints one JSON object (SprayResult) when done; hold prints one when its
// handshakes are in place ({"attempted","cookies","established","seconds"}) and exits
// after holding them for S seconds (default 10).

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
      "usage: gameserver_flood spray --target HOST:PORT [--target ...] [--hellos N] [--mutants N] [--randoms N]\n"
      "                              [--sockets N] [--rate PER_S] [--seed N]\n"
      "       gameserver_flood hold --target HOST:PORT --count N [--complete] [--seconds S]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1];
  flood::SprayOptions spray;
  std::size_t count = 0;
  bool complete = false;
  double seconds = 10;
  try {
    for (int i = 2; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--target") spray.targets.push_back(flood::parse_target(value()));
      else if (arg == "--hellos") spray.hellos = std::stoul(value());
      else if (arg == "--mutants") spray.mutants = std::stoul(value());
      else if (arg == "--randoms") spray.randoms = std::stoul(value());
      else if (arg == "--sockets") spray.sockets = std::stoul(value());
      else if (arg == "--rate") spray.rate = std::stod(value());
      else if (arg == "--seed") spray.seed = std::stoull(value());
      else if (arg == "--count") count = std::stoul(value());
      else if (arg == "--complete") complete = true;
      else if (arg == "--seconds") seconds = std::stod(value());
      else throw std::invalid_argument("unknown option " + arg);
    }
    if (spray.targets.empty()) throw std::invalid_argument("--target is required");
    if (mode == "spray") {
      auto result = flood::spray(spray);
      std::printf("%s\n", result.json().c_str());
      return 0;
    }
    if (mode == "hold") {
      flood::HeldHandshakes held(spray.targets.front(), count, complete);
      const auto& r = held.result();
      std::printf("%s\n", fmt::format(R"({{"attempted":{},"cookies":{},"established":{},"seconds":{:.2f}}})",
                                      r.attempted, r.cookies, r.established, r.seconds)
                              .c_str());
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gameserver_flood: %s\n", e.what());
    return 2;
  }
  return usage();
}
