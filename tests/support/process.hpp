#pragma once
// Runs the built gameserver binary (or any program) as a child process for
// integration tests: its stdout and stderr arrive merged, line by line, with a
// deadline on every wait so that a hung child fails the test instead of hanging it.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace gs::test {

class Process {
 public:
  // Starts `program` with `args`. `input`, if given, is written to its stdin,
  // which is then closed.
  Process(const std::string& program, const std::vector<std::string>& args,
          const std::optional<std::string>& input = std::nullopt);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // The next output line, or nullopt at end of output or when `timeout` passes.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads lines until one contains `needle`; false on timeout or end of output.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout);
  // Everything printed so far, all lines.
  const std::string& output() const { return output_; }

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Exit status, or -1 if it has not exited within `timeout` (it is then killed).
  int wait(std::chrono::milliseconds timeout);

 private:
  bool fill(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string pending_;
  std::string output_;
  bool eof_ = false;
  std::optional<int> status_;
};

// The path of the built gameserver binary (from the GAMESERVER environment variable).
std::string gameserver_binary();
// The source tree's root (from the SOURCE_ROOT environment variable).
std::string source_root();
// The built arena game module, games/arena (GS_TEST_MODULE_ARENA, else this build's).
std::string arena_module();

// Runs to completion and returns {exit status, output}.
std::pair<int, std::string> run(const std::vector<std::string>& args,
                                const std::optional<std::string>& input = std::nullopt,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace gs::test
