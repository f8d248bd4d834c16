// `gameserver bench`: measures the transport (channel in DTLS over UDP) and, for
// comparison, ENet. Subcommands serve, run, local and proxy; see --help.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace gs::bench {

// Registers `bench` and its subcommands on `root`; when one is chosen, `action` is set
// to run it (returns the exit status).
void add_bench_command(CLI::App& root, std::function<int()>& action);

}  // namespace gs::bench
