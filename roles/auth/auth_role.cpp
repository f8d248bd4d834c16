#include "auth/auth_role.hpp"

namespace gs::roles {

AuthRole::AuthRole(const config::AuthConfig& config, RoleContext& context)
    : config_(config), context_(context), listener_(context.io, "auth", config.listen, context.log) {}

void AuthRole::start() { listener_.start(); }

void AuthRole::stop(std::function<void()> done) {
  listener_.stop();
  done();
}

}  // namespace gs::roles
