#pragma once
// systemd's readiness protocol (sd_notify) without libsystemd: one datagram to the
// Unix socket named by $NOTIFY_SOCKET. Under a `Type=notify` unit, "READY=1" tells
// systemd that start-up is complete; elsewhere the variable is unset and nothing happens.

#include <string_view>

namespace gs::admin {

// Sends `state` (e.g. "READY=1", "STOPPING=1", lines joined by '\n'). False when
// $NOTIFY_SOCKET is unset or the datagram could not be sent.
bool notify_service_manager(std::string_view state);

}  // namespace gs::admin
