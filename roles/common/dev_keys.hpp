#pragma once
// Development mode: creates the keys and secrets a config names but that do not
// exist yet, so `gameserver --config etc/gameserver.yaml` runs on a fresh clone.
// Only for configs with `development: true`; production keys come from
// `gameserver keygen`, made once and distributed deliberately.

#include <filesystem>
#include <vector>

#include "config/config.hpp"

namespace gs::roles {

// Writes whichever of these are missing, for the roles in `roles`: the DTLS
// certificate and key (tls.*), the token signing key (auth.token_key) and its public
// key (world.token_keys[0], derived from the signing key when both are missing),
// and the role-link secrets (auth.peers, gateway.auth_secret, world.auth_secret;
// one secret per link, shared by both ends when they name the same file). Private
// files get mode 0600. Returns the files written. Throws std::runtime_error.
std::vector<std::filesystem::path> ensure_development_keys(const config::Config& config);

}  // namespace gs::roles
