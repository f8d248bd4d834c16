// gameserver keygen --out DIR [--force]: the keys and secrets of a deployment.

#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/auth_setup.hpp"
#include "app/commands.hpp"
#include "crypto/base64.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/key_files.hpp"
#include "crypto/secret.hpp"
#include "crypto/token_signer.hpp"
#include "dtls/certgen.hpp"

namespace gs::app {
namespace {

struct KeygenOptions {
  std::filesystem::path out;
  bool force = false;
  bool token_only = false;
  // subjectAltNames of the DTLS certificate: DNS names and IP addresses. The default
  // serves a development machine, where roles dial each other on loopback.
  std::vector<std::string> dtls_names = {"localhost", "127.0.0.1", "::1"};
};

// The DTLS certificate request: the first DNS name as the common name when it fits
// (63 characters), "gameserver" otherwise; every name a subjectAltName of its kind.
dtls::CertificateRequest dtls_request(const std::vector<std::string>& names) {
  dtls::CertificateRequest request;
  for (const auto& name : names)
    (dtls::is_ip_address(name) ? request.ip_addresses : request.dns_names).push_back(name);
  if (!request.dns_names.empty() && request.dns_names.front().size() <= 63)
    request.common_name = request.dns_names.front();
  return request;
}

// The role links that authenticate with a shared secret: one file each.
constexpr const char* link_secret_files[] = {"gateway-auth.secret", "world-auth.secret"};

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Creates `out` (and its parents) readable by its owner only, unless it exists.
void make_private_folder(const std::filesystem::path& out) {
  if (std::filesystem::exists(out)) return;
  std::filesystem::create_directories(out);
  std::filesystem::permissions(out, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
}

// A new token key pair for a rotation, beside the one in use: named after its key id
// (token-KID.key, token-KID.pub), so it never replaces a file and the name says which
// kid a file holds.
int keygen_token(const KeygenOptions& o) {
  namespace fs = std::filesystem;
  auto signing = crypto::Ed25519PrivateKey::generate();
  auto kid = crypto::default_kid(signing.public_key());
  const fs::path key = o.out / fmt::format("token-{}.key", kid);
  const fs::path pub = o.out / fmt::format("token-{}.pub", kid);
  make_private_folder(o.out);
  crypto::write_private_key_file(key, signing, false);
  crypto::write_public_key_file(pub, signing.public_key(), false);
  const fs::path abs = fs::absolute(o.out);
  std::cout << fmt::format(
      "# Written to {dir}: token-{kid}.key (mode 0600), token-{kid}.pub. Token key id: {kid}.\n"
      "# Rotation (docs/DEPLOYMENT.md): first add the public key to every world and send SIGHUP,\n"
      "world:\n"
      "  token_keys: [OLD.pub, {dir}/token-{kid}.pub]\n"
      "# then point auth at the private key and send SIGHUP:\n"
      "auth:\n"
      "  token_key: {dir}/token-{kid}.key\n",
      fmt::arg("dir", abs.string()), fmt::arg("kid", kid));
  return exit_ok;
}

int keygen(const KeygenOptions& o) {
  namespace fs = std::filesystem;
  if (o.token_only) return keygen_token(o);
  const fs::path token_key = o.out / "token.key";
  const fs::path token_pub = o.out / "token.pub";
  const fs::path dtls_crt = o.out / "dtls.crt";
  const fs::path dtls_key = o.out / "dtls.key";
  std::vector<fs::path> all = {token_key, token_pub, dtls_crt, dtls_key};
  for (const char* f : link_secret_files) all.push_back(o.out / f);

  if (!o.force) {
    std::vector<std::string> existing;
    for (const auto& p : all)
      if (fs::exists(p)) existing.push_back(p.string());
    if (!existing.empty()) {
      std::cerr << fmt::format("gameserver: refusing to overwrite {}; use --force to replace them\n",
                               fmt::join(existing, ", "));
      return exit_failure;
    }
  }
  make_private_folder(o.out);

  auto signing = crypto::Ed25519PrivateKey::generate();
  crypto::write_private_key_file(token_key, signing, o.force);
  crypto::write_public_key_file(token_pub, signing.public_key(), o.force);

  for (const char* f : link_secret_files) {
    auto raw = crypto::SecretBuffer::random(32);
    std::string text = crypto::base64url_encode(raw.bytes()) + "\n";
    crypto::write_secret_file(o.out / f, bytes_of(text), o.force);
    crypto::wipe(text);
  }

  auto cert = dtls::generate_self_signed(dtls_request(o.dtls_names));
  crypto::write_key_file(dtls_key, bytes_of(cert.private_key_pem), 0600, o.force);
  crypto::write_key_file(dtls_crt, bytes_of(cert.certificate_pem), 0644, o.force);
  crypto::wipe(cert.private_key_pem);

  const fs::path abs = fs::absolute(o.out);
  std::cout << fmt::format(
      "# Written to {dir}: token.key, token.pub, gateway-auth.secret, world-auth.secret,\n"
      "# dtls.crt, dtls.key (private files mode 0600; certificate names: {names}). Token key id: {kid}.\n"
      "# Config lines that use them (copy each machine's part):\n"
      "tls:\n"
      "  certificate: {dir}/dtls.crt\n"
      "  private_key: {dir}/dtls.key\n"
      "  trust: {dir}/dtls.crt\n"
      "auth:\n"
      "  token_key: {dir}/token.key\n"
      "  peers:\n"
      "    - {{role: gateway, id: gateway-1, secret: {dir}/gateway-auth.secret}}\n"
      "    - {{role: world, id: world-1, secret: {dir}/world-auth.secret}}\n"
      "gateway:\n"
      "  auth_secret: {dir}/gateway-auth.secret\n"
      "world:\n"
      "  auth_secret: {dir}/world-auth.secret\n"
      "  token_keys: [{dir}/token.pub]\n",
      fmt::arg("dir", abs.string()), fmt::arg("kid", crypto::default_kid(signing.public_key())),
      fmt::arg("names", fmt::join(o.dtls_names, ", ")));
  return exit_ok;
}

}  // namespace

void add_keygen_command(CLI::App& root, Action& action) {
  auto o = std::make_shared<KeygenOptions>();
  auto* cmd = root.add_subcommand("keygen",
                                  "write a deployment's keys and secrets: token signing key pair, role-link "
                                  "secrets, DTLS certificate and key");
  cmd->add_option("--out", o->out, "folder to write into (created, mode 0700)")->required();
  cmd->add_flag("--force", o->force, "replace existing files");
  cmd->add_flag(
      "--token-only", o->token_only,
      "only a new token key pair for a rotation, named after its key id (token-KID.key, token-KID.pub); "
      "never replaces a file");
  cmd->add_option(
         "--dtls-name", o->dtls_names,
         "a DNS name or IP address the DTLS certificate carries (repeat it, or separate with commas; "
         "default: localhost, 127.0.0.1, ::1); the first DNS name is also its common name")
      ->delimiter(',')
      ->check([](const std::string& name) -> std::string {
        if (name.empty() || name.size() > 253) return "a name is 1 to 253 characters";
        return {};
      });
  cmd->callback([&action, o] { action = [o] { return keygen(*o); }; });
}

}  // namespace gs::app
