// gameserver token issue|verify: login tokens by hand, for administrators and tests.

#include <chrono>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/auth_setup.hpp"
#include "app/commands.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/token_signer.hpp"
#include "crypto/token_verifier.hpp"
#include "store/account_rules.hpp"

namespace gs::app {
namespace {

// Longest --ttl, and so the longest lifetime `token verify` accepts.
constexpr int max_cli_ttl_seconds = 3600;

struct TokenOptions {
  std::optional<std::filesystem::path> config;
  std::string sub;
  std::string aud;
  std::optional<int> ttl;
  std::vector<std::filesystem::path> keys;
};

crypto::TokenTime now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

int token_issue(const TokenOptions& o) {
  config::Config config = load_config(o.config);
  auto sub = store::normalize_account_name(o.sub);
  if (!sub) {
    std::cerr << "gameserver: --sub: " << store::describe(sub.error()) << "\n";
    return exit_usage;
  }
  auto signer = load_token_signer(config.auth);
  auto ttl = o.ttl ? std::chrono::seconds(*o.ttl)
                   : std::chrono::duration_cast<std::chrono::seconds>(config.auth.token_ttl);
  std::cout << signer.issue(sub.value(), o.aud, ttl, now()).token << "\n";
  return exit_ok;
}

int token_verify(const TokenOptions& o) {
  config::Config config = load_config(o.config);
  // Keys: --key files, else world.token_keys, else (on an auth machine without them) the
  // public half of auth.token_key.
  std::vector<std::filesystem::path> files = o.keys;
  if (files.empty()) {
    for (const auto& f : config.world.token_keys)
      if (std::filesystem::exists(f)) files.push_back(f);
  }
  crypto::TokenKeySet keys = crypto::read_token_key_set(files);
  if (keys.empty()) {
    auto key = crypto::read_private_key_file(config.auth.token_key);
    keys.emplace(crypto::default_kid(key.public_key()), key.public_key());
  }
  crypto::TokenVerifierConfig vc;
  vc.audience = o.aud.empty() ? config.world.id : o.aud;
  vc.issuers = {config.auth.id};
  vc.leeway = std::chrono::duration_cast<std::chrono::seconds>(config.world.token_leeway);
  vc.max_lifetime = std::chrono::seconds(max_cli_ttl_seconds);
  crypto::TokenVerifier verifier(vc, std::move(keys));

  std::string token{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  auto result = verifier.verify(token, now(), crypto::TokenVerifier::JtiUse::inspect);
  if (!result) {
    std::cerr << "token rejected: " << crypto::to_string(result.error()) << "\n";
    return exit_failure;
  }
  const auto& c = *result;
  nlohmann::ordered_json out;
  out["kid"] = c.kid;
  out["iss"] = c.iss;
  out["sub"] = c.sub;
  out["aud"] = c.aud;
  if (c.iat) out["iat"] = c.iat->time_since_epoch().count();
  if (c.nbf) out["nbf"] = c.nbf->time_since_epoch().count();
  out["exp"] = c.exp.time_since_epoch().count();
  out["jti"] = c.jti;
  std::cout << out.dump() << "\n";
  return exit_ok;
}

}  // namespace

void add_token_command(CLI::App& root, Action& action) {
  auto* token = root.add_subcommand("token", "issue or check login tokens by hand");
  token->require_subcommand(1);
  auto o = std::make_shared<TokenOptions>();

  auto* issue = token->add_subcommand("issue", "print a login token signed with auth.token_key");
  issue->add_option("--sub", o->sub, "account name the token is for")->required();
  issue->add_option("--aud", o->aud, "id of the world the token is for")->required();
  issue->add_option("--ttl", o->ttl, "lifetime in seconds (default: auth.token_ttl)")
      ->check(CLI::Range(1, max_cli_ttl_seconds));
  issue->add_option("-c,--config", o->config, "YAML config file")->check(CLI::ExistingFile);
  issue->callback([&action, o] { action = [o] { return token_issue(*o); }; });

  auto* verify =
      token->add_subcommand("verify",
                            "check a token read from standard input; print its claims as JSON, or why it "
                            "was rejected (exit 1)");
  verify->add_option("--aud", o->aud, "the world id to check against (default: world.id)");
  verify
      ->add_option("--key", o->keys,
                   "public key file (SPKI PEM), repeatable (default: world.token_keys, or "
                   "the public half of auth.token_key)")
      ->check(CLI::ExistingFile);
  verify->add_option("-c,--config", o->config, "YAML config file")->check(CLI::ExistingFile);
  verify->callback([&action, o] { action = [o] { return token_verify(*o); }; });
}

}  // namespace gs::app
