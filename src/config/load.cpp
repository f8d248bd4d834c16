#include "config/load.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "config/printer.hpp"
#include "config/reader.hpp"
#include "config/schema.hpp"

namespace gs::config {
namespace {

constexpr std::array<std::string_view, 3> known_roles{"auth", "gateway", "world"};

void check_roles(const Config& config, const YAML::Node& root, const std::string& name) {
  std::set<std::string> seen;
  const YAML::Node& const_root = root;
  YAML::Node roles = const_root["roles"];
  for (std::size_t i = 0; i < config.roles.size(); ++i) {
    const std::string& role = config.roles[i];
    YAML::Mark mark = roles[i].Mark();
    if (!is_known_role(role))
      throw ConfigError(name, mark.line + 1, mark.column + 1, "roles",
                        "expected auth, gateway or world, found '" + role + "'");
    if (!seen.insert(role).second)
      throw ConfigError(name, mark.line + 1, mark.column + 1, "roles", "role '" + role + "' is listed twice");
  }
}

// A conninfo libpq cannot parse is refused here, not when auth first connects. libpq's
// own reason is shown unless the string may hold a password (a password= key, or a URI
// with credentials): its messages quote the text around the mistake.
void check_conninfo(const Config& config, const YAML::Node& root, const std::string& name) {
  const std::string& conninfo = config.auth.postgres.conninfo;
  if (conninfo.empty()) return;
  char* reason = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &reason);
  if (options) {
    PQconninfoFree(options);
    return;
  }
  std::string detail = std::string(": ") + (reason ? reason : "out of memory");
  if (reason) PQfreemem(reason);
  while (detail.back() == '\n' || detail.back() == ' ') detail.pop_back();
  std::string lowered = conninfo;
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered.find("password") != std::string::npos || lowered.find('@') != std::string::npos)
    detail = " (details withheld: it may hold a password)";
  const YAML::Node& const_root = root;
  YAML::Mark mark = const_root["auth"]["postgres"]["conninfo"].Mark();
  throw ConfigError(name, mark.line + 1, mark.column + 1, "auth.postgres.conninfo",
                    "expected a libpq connection string (key=value pairs or a postgresql:// URI), "
                    "found one libpq cannot parse" +
                        detail);
}

// What clients are told travels in a LoginResponse field of protocol::max_address
// (128) bytes; a longer one could never be sent, so it is refused here.
void check_public_address(const Config& config, const YAML::Node& root, const std::string& name) {
  constexpr std::size_t max_address = 128;
  const auto text = config.world.public_address.to_string();
  if (text.size() <= max_address) return;
  const YAML::Node& const_root = root;
  YAML::Mark mark = const_root["world"]["public_address"].Mark();
  throw ConfigError(name, mark.line + 1, mark.column + 1, "world.public_address",
                    "expected an address of at most 128 characters, found " + std::to_string(text.size()));
}

// Settings each within its range but not together, refused at whichever of the two
// keys the file sets (the first if both).
void check_pairs(const Config& config, const YAML::Node& root, const std::string& name) {
  auto refuse = [&](std::string_view section, std::string_view first, std::string_view second,
                    const std::string& problem) {
    const YAML::Node& const_root = root;
    YAML::Node map = const_root[std::string(section)];
    YAML::Node at;
    std::string_view key = first;
    if (map.IsMap()) {
      at = map[std::string(first)];
      if (!at.IsDefined()) {
        key = second;
        at = map[std::string(second)];
      }
    }
    YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark{};
    throw ConfigError(name, mark.line + 1, mark.column + 1, fmt::format("{}.{}", section, key), problem);
  };
  const auto& channel = config.channel;
  if (channel.keepalive >= channel.timeout)
    refuse("channel", "keepalive", "timeout",
           fmt::format("expected channel.keepalive ({}) shorter than channel.timeout ({})",
                       format_duration(channel.keepalive), format_duration(channel.timeout)));
  const auto& tls = config.tls;
  if (tls.retransmit_initial > tls.retransmit_max)
    refuse("tls", "retransmit_initial", "retransmit_max",
           fmt::format("expected tls.retransmit_initial ({}) no longer than tls.retransmit_max ({})",
                       format_duration(tls.retransmit_initial), format_duration(tls.retransmit_max)));
}

}  // namespace

bool is_known_role(std::string_view name) {
  for (auto role : known_roles)
    if (role == name) return true;
  return false;
}

Config load_text(std::string_view text, const std::string& name, const std::filesystem::path& base) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError(name, e.mark.line + 1, e.mark.column + 1, "(yaml)", e.msg);
  }
  if (!root || root.IsNull())
    throw ConfigError(name, 1, 1, "(file)", "expected a map of keys, found an empty file");

  Config config;
  config.file = name;
  Reader reader(root, name, "", base);
  reader.require("roles", "a list of roles to run such as [auth, gateway, world]");
  visit_config(reader, config);
  reader.finish();
  check_roles(config, root, name);
  check_conninfo(config, root, name);
  check_public_address(config, root, name);
  check_pairs(config, root, name);
  return config;
}

Config load_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int error = errno;
    throw ConfigError(file.string(), 1, 1, "(file)",
                      std::string("expected a readable config file, found: ") + std::strerror(error));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw ConfigError(file.string(), 1, 1, "(file)", "expected a readable config file, found a read error");
  auto base = std::filesystem::absolute(file).parent_path();
  return load_text(text.str(), file.string(), base);
}

std::string to_yaml(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  Printer printer(out);
  visit_config(printer, config);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace gs::config
