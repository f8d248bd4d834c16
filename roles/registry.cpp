#include "roles/registry.hpp"

#include <array>

#include "roles/auth/auth_role.hpp"
#include "roles/gateway/gateway_role.hpp"
#include "roles/world/world_role.hpp"

namespace gs::roles {
namespace {

// Auth first: gateways and worlds connect to it.
constexpr std::array<RoleEntry, 3> table{{
    {"auth", "checks passwords against the account store and signs login tokens",
     [](const config::Config& c, RoleContext& ctx) -> std::unique_ptr<Role> {
       return std::make_unique<AuthRole>(c, ctx);
     }},
    {"gateway", "accepts client logins and forwards them to auth",
     [](const config::Config& c, RoleContext& ctx) -> std::unique_ptr<Role> {
       return std::make_unique<GatewayRole>(c, ctx);
     }},
    {"world", "admits players holding a valid token and runs the game world",
     [](const config::Config& c, RoleContext& ctx) -> std::unique_ptr<Role> {
       return std::make_unique<WorldRole>(c, ctx);
     }},
}};

}  // namespace

std::span<const RoleEntry> role_table() { return table; }

std::unique_ptr<Role> make_role(std::string_view name, const config::Config& config, RoleContext& context) {
  for (const auto& entry : table)
    if (entry.name == name) return entry.make(config, context);
  return nullptr;
}

}  // namespace gs::roles
