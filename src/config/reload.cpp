#include "config/reload.hpp"

#include <yaml-cpp/yaml.h>

#include "config/load.hpp"

namespace gs::config {
namespace {

std::string dump(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  return out.c_str();
}

// Both are maps printed by the same schema, so their keys appear in the same order.
void compare(const YAML::Node& a, const YAML::Node& b, const std::string& path,
             std::vector<std::string>& out) {
  if (a.IsMap() && b.IsMap()) {
    for (const auto& entry : a) {
      auto name = entry.first.Scalar();
      auto child = path.empty() ? name : path + "." + name;
      const YAML::Node& other = b;
      compare(entry.second, other[name], child, out);
    }
    return;
  }
  if (!b.IsDefined() || dump(a) != dump(b)) out.push_back(path);
}

}  // namespace

void copy_reloadable(const Config& from, Config& into) {
  into.tls = from.tls;
  into.auth.token_key = from.auth.token_key;
  into.auth.peers = from.auth.peers;
  into.gateway.auth_secret = from.gateway.auth_secret;
  into.world.auth_secret = from.world.auth_secret;
  into.world.token_keys = from.world.token_keys;
}

std::vector<std::string> changes_needing_restart(const Config& running, const Config& fresh) {
  Config others = fresh;
  copy_reloadable(running, others);
  others.file = running.file;
  std::vector<std::string> changed;
  compare(YAML::Load(to_yaml(running)), YAML::Load(to_yaml(others)), "", changed);
  return changed;
}

}  // namespace gs::config
