#pragma once
// The role table: every role this build can run, by name, in start-up order.
// Adding a role means one row here and nothing else.

#include <memory>
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "runtime/role.hpp"

namespace gs::roles {

struct RoleEntry {
  std::string_view name;
  std::string_view summary;
  std::unique_ptr<Role> (*make)(const config::Config& config, RoleContext& context);
};

std::span<const RoleEntry> role_table();

// nullptr for a name not in the table.
std::unique_ptr<Role> make_role(std::string_view name, const config::Config& config, RoleContext& context);

}  // namespace gs::roles
