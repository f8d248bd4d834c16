#pragma once
// gameserver_reloads_total{result}: how a role's reloads (SIGHUP) went, the same
// family for every role.

#include <cstdint>

#include "admin/metrics.hpp"

namespace gs::roles {

inline void collect_reloads(admin::MetricsWriter& out, std::uint64_t ok, std::uint64_t failed) {
  const char* help = "Reloads of keys, certificates and secrets (SIGHUP), by result";
  out.counter("gameserver_reloads_total", help, static_cast<double>(ok), {{"result", "ok"}});
  out.counter("gameserver_reloads_total", help, static_cast<double>(failed), {{"result", "failed"}});
}

}  // namespace gs::roles
