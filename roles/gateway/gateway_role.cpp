#include "gateway/gateway_role.hpp"

namespace gs::roles {

GatewayRole::GatewayRole(const config::GatewayConfig& config, RoleContext& context)
    : config_(config), context_(context), listener_(context.io, "gateway", config.listen, context.log) {}

void GatewayRole::start() { listener_.start(); }

void GatewayRole::stop(std::function<void()> done) {
  listener_.stop();
  done();
}

}  // namespace gs::roles
