#include "world/world_role.hpp"

namespace gs::roles {

WorldRole::WorldRole(const config::WorldConfig& config, RoleContext& context)
    : config_(config), context_(context), listener_(context.io, "world", config.listen, context.log) {}

void WorldRole::start() { listener_.start(); }

void WorldRole::stop(std::function<void()> done) {
  listener_.stop();
  done();
}

}  // namespace gs::roles
