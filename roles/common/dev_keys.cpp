#include "roles/common/dev_keys.hpp"

#include <map>

#include "crypto/base64.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/key_files.hpp"
#include "crypto/secret.hpp"
#include "dtls/certgen.hpp"

namespace gs::roles {

namespace fs = std::filesystem;

namespace {

void make_parent(const fs::path& file) {
  auto dir = file.parent_path();
  if (dir.empty() || fs::exists(dir)) return;
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::vector<fs::path> ensure_development_keys(const config::Config& config) {
  std::vector<fs::path> written;
  auto runs = [&](std::string_view role) {
    for (const auto& r : config.roles)
      if (r == role) return true;
    return false;
  };

  const auto& tls = config.tls;
  if (!fs::exists(tls.certificate) && !fs::exists(tls.private_key)) {
    dtls::CertificateRequest request;
    request.common_name = "gameserver-development";
    // The names roles and clients on a development machine dial each other by.
    request.dns_names = {"localhost"};
    request.ip_addresses = {"127.0.0.1", "::1"};
    auto cert = dtls::generate_self_signed(request);
    make_parent(tls.private_key);
    make_parent(tls.certificate);
    crypto::write_key_file(tls.private_key, bytes_of(cert.private_key_pem), 0600, false);
    crypto::write_key_file(tls.certificate, bytes_of(cert.certificate_pem), 0644, false);
    crypto::wipe(cert.private_key_pem);
    written.push_back(tls.certificate);
    written.push_back(tls.private_key);
  }

  const fs::path* public_key = config.world.token_keys.empty() ? nullptr : &config.world.token_keys.front();
  if (runs("auth") && !fs::exists(config.auth.token_key)) {
    auto key = crypto::Ed25519PrivateKey::generate();
    make_parent(config.auth.token_key);
    crypto::write_private_key_file(config.auth.token_key, key, false);
    written.push_back(config.auth.token_key);
    if (public_key && !fs::exists(*public_key)) {
      make_parent(*public_key);
      crypto::write_public_key_file(*public_key, key.public_key(), false);
      written.push_back(*public_key);
    }
  }

  std::vector<fs::path> secrets;
  if (runs("auth"))
    for (const auto& peer : config.auth.peers) secrets.push_back(peer.secret);
  if (runs("gateway")) secrets.push_back(config.gateway.auth_secret);
  if (runs("world")) secrets.push_back(config.world.auth_secret);
  for (const auto& file : secrets) {
    if (fs::exists(file)) continue;
    auto raw = crypto::SecretBuffer::random(32);
    std::string text = crypto::base64url_encode(raw.bytes()) + "\n";
    make_parent(file);
    crypto::write_secret_file(file, bytes_of(text), false);
    crypto::wipe(text);
    written.push_back(file);
  }
  return written;
}

}  // namespace gs::roles
