#pragma once

#include "config/config.hpp"
#include "runtime/role.hpp"
#include "runtime/udp_listener.hpp"

namespace gs::roles {

class WorldRole final : public Role {
 public:
  WorldRole(const config::WorldConfig& config, RoleContext& context);

  std::string_view name() const override { return "world"; }
  void start() override;
  void stop(std::function<void()> done) override;

  const UdpListener& listener() const { return listener_; }

 private:
  const config::WorldConfig& config_;
  RoleContext context_;
  UdpListener listener_;
};

}  // namespace gs::roles
