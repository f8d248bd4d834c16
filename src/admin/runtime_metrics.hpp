#pragma once
// Metrics of the process rather than of one role: the event loop's busy polling.

#include "admin/admin_server.hpp"
#include "runtime/runtime.hpp"

namespace gs::admin {

// Registers the runtime's event-loop metrics with `admin`; `runtime` must outlive it.
void add_runtime_metrics(AdminServer& admin, const Runtime& runtime);

}  // namespace gs::admin
