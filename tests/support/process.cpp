#include "support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gs::test {

Process::Process(const std::string& program, const std::vector<std::string>& args,
                 const std::optional<std::string>& input) {
  int out[2];
  int in[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  close(in[0]);
  out_fd_ = out[0];
  if (input) {
    std::size_t done = 0;
    while (done < input->size()) {
      ssize_t n = write(in[1], input->data() + done, input->size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }
  close(in[1]);
}

Process::~Process() {
  if (!status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

bool Process::fill(std::chrono::milliseconds timeout) {
  if (eof_) return false;
  pollfd p{out_fd_, POLLIN, 0};
  int ready = poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return false;
  char buffer[4096];
  ssize_t n = read(out_fd_, buffer, sizeof buffer);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  pending_.append(buffer, static_cast<std::size_t>(n));
  output_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) {
      if (eof_ && !pending_.empty()) {
        std::string line = std::move(pending_);
        pending_.clear();
        return line;
      }
      return std::nullopt;
    }
  }
}

bool Process::wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto line = read_line(left);
    if (!line) return false;
    if (line->find(needle) != std::string::npos) return true;
  }
}

void Process::signal(int sig) {
  if (!status_) kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      status_ = -1;
      break;
    }
    // Keep the pipe drained so a chatty child never blocks on a full pipe.
    fill(std::chrono::milliseconds(10));
  }
  while (fill(std::chrono::milliseconds(0))) {
  }
  return *status_;
}

std::string gameserver_binary() {
  const char* path = std::getenv("GAMESERVER");
  if (!path) throw std::runtime_error("GAMESERVER is not set: run the tests through meson test");
  return path;
}

std::string source_root() {
  const char* path = std::getenv("SOURCE_ROOT");
  if (!path) throw std::runtime_error("SOURCE_ROOT is not set: run the tests through meson test");
  return path;
}

std::string arena_module() {
  const char* path = std::getenv("GS_TEST_MODULE_ARENA");
  return path ? path : GS_ARENA_MODULE;
}

std::pair<int, std::string> run(const std::vector<std::string>& args, const std::optional<std::string>& input,
                                std::chrono::milliseconds timeout) {
  Process process(gameserver_binary(), args, input);
  int status = process.wait(timeout);
  return {status, process.output()};
}

}  // namespace gs::test
