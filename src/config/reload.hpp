#pragma once
// What a reload (SIGHUP) takes from a re-read config file: the key, certificate and
// secret files, and which ones. Everything else is read once, at start; a change to it
// waits for a restart, and the reload names it so that nobody thinks it took effect.
//
// Reloadable: tls.certificate, tls.private_key, tls.trust, auth.token_key, auth.peers,
// gateway.auth_secret, world.auth_secret, world.token_keys.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace gs::config {

// Copies the reloadable keys of `from` into `into`.
void copy_reloadable(const Config& from, Config& into);

// Dotted names of the keys other than the reloadable ones whose values differ between
// `running` and `fresh` (for example "gateway.listen"), in file order.
std::vector<std::string> changes_needing_restart(const Config& running, const Config& fresh);

}  // namespace gs::config
