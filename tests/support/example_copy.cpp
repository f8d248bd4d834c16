#include "support/example_copy.hpp"

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include <unistd.h>

#include <doctest/doctest.h>

#include "support/deployment.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace gs::test {

ExampleCopy::ExampleCopy(const std::string& name_) : name(name_) {
  dir = fs::temp_directory_path() / ("gameserver-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "etc" / name);
  std::regex port(R"(127\.0\.0\.1:(\d+))");
  for (const auto& entry : fs::directory_iterator(fs::path(source_root()) / "etc" / name)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str(), out;
    auto last = s.cbegin();
    for (std::sregex_iterator it(s.begin(), s.end(), port), end; it != end; ++it) {
      auto original = (*it)[1].str();
      auto& mapped = ports[original];
      if (mapped == 0) mapped = original.starts_with("91") ? free_tcp_port() : free_udp_port();
      out.append(last, (*it)[0].first);
      out += "127.0.0.1:" + std::to_string(mapped);
      last = (*it)[0].second;
    }
    out.append(last, s.cend());
    std::ofstream(dir / "etc" / name / entry.path().filename()) << out;
  }
}

ExampleCopy::~ExampleCopy() {
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

std::string ExampleCopy::config(const std::string& file) const {
  return (dir / "etc" / name / (file + ".yaml")).string();
}

std::uint16_t ExampleCopy::port(int example) const { return ports.at(std::to_string(example)); }

std::string ExampleCopy::address(int example) const { return "127.0.0.1:" + std::to_string(port(example)); }

std::unique_ptr<Process> ExampleCopy::start(const std::string& file, const std::string& role) const {
  auto process =
      std::make_unique<Process>(gameserver_binary(), std::vector<std::string>{"--config", config(file)});
  REQUIRE_MESSAGE(process->wait_for(role + " listening on", 15s), process->output());
  return process;
}

void stop(std::unique_ptr<Process>& process) {
  process->signal(SIGTERM);
  CHECK(process->wait(10s) == 0);
  process.reset();
}

}  // namespace gs::test
