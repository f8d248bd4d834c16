#pragma once
// Builds the auth building blocks (crypto/, store/) from the typed config, for the
// account, token and keygen commands.

#include <filesystem>
#include <string>

#include "config/config.hpp"
#include "crypto/token_signer.hpp"
#include "store/password_hash.hpp"
#include "store/throttle.hpp"

namespace gs::app {

store::PwhashParams password_params(const config::AuthConfig& auth);
store::ThrottleLimits ThrottleLimits(const config::AuthConfig& auth);

// The signer of login tokens: key from auth.token_key, issuer auth.id, key id derived
// from the public key (crypto::default_kid). Throws std::runtime_error naming the file.
crypto::TokenSigner load_token_signer(const config::AuthConfig& auth);

// The password on standard input: everything up to EOF, one trailing "\n" or "\r\n"
// removed, checked against the password rules. Throws std::invalid_argument with the
// rule that failed.
std::string read_password_stdin();

}  // namespace gs::app
