#pragma once

#include "config/config.hpp"
#include "runtime/role.hpp"
#include "runtime/udp_listener.hpp"

namespace gs::roles {

class GatewayRole final : public Role {
 public:
  GatewayRole(const config::GatewayConfig& config, RoleContext& context);

  std::string_view name() const override { return "gateway"; }
  void start() override;
  void stop(std::function<void()> done) override;

  const UdpListener& listener() const { return listener_; }

 private:
  const config::GatewayConfig& config_;
  RoleContext context_;
  UdpListener listener_;
};

}  // namespace gs::roles
