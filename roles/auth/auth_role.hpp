#pragma once

#include "config/config.hpp"
#include "runtime/role.hpp"
#include "runtime/udp_listener.hpp"

namespace gs::roles {

class AuthRole final : public Role {
 public:
  AuthRole(const config::AuthConfig& config, RoleContext& context);

  std::string_view name() const override { return "auth"; }
  void start() override;
  void stop(std::function<void()> done) override;

  const UdpListener& listener() const { return listener_; }

 private:
  const config::AuthConfig& config_;
  RoleContext context_;
  UdpListener listener_;
};

}  // namespace gs::roles
