#include "app/auth_setup.hpp"

#include <chrono>
#include <iostream>
#include <iterator>
#include <stdexcept>

#include "crypto/ed25519.hpp"
#include "crypto/secret.hpp"
#include "store/account_rules.hpp"

namespace gs::app {

store::PwhashParams password_params(const config::AuthConfig& auth) {
  return {auth.password_ops_limit, static_cast<std::size_t>(auth.password_memory)};
}

store::ThrottleLimits ThrottleLimits(const config::AuthConfig& auth) {
  store::ThrottleLimits l;
  l.account_failures = auth.max_failures_per_account;
  l.address_failures = auth.max_failures_per_address;
  l.window = std::chrono::duration_cast<std::chrono::seconds>(auth.failure_window);
  return l;
}

crypto::TokenSigner load_token_signer(const config::AuthConfig& auth) {
  auto key = crypto::read_private_key_file(auth.token_key);
  std::string kid = crypto::default_kid(key.public_key());
  return crypto::TokenSigner(auth.id, std::move(kid), std::move(key));
}

std::string read_password_stdin() {
  std::string pw;
  pw.reserve(store::password_max_bytes + 3);
  char c = 0;
  while (std::cin.get(c)) {
    pw.push_back(c);
    if (pw.size() > store::password_max_bytes + 2) break;  // enough to know it is too long
  }
  if (!pw.empty() && pw.back() == '\n') pw.pop_back();
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  if (auto problem = store::check_password(pw)) {
    crypto::wipe(pw);
    throw std::invalid_argument(store::describe(*problem));
  }
  return pw;
}

}  // namespace gs::app
