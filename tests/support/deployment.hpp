#pragma once
// A throwaway deployment for tests: a temporary folder with freshly generated keys
// and secrets, a config whose roles listen on free loopback ports, and a YAML file
// of the same config for tests that run the binary.

#include <filesystem>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "dtls/certgen.hpp"
#include "support/process.hpp"

namespace gs::test {

// A UDP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_udp_port();
// A TCP port on 127.0.0.1 that was free a moment ago (for admin endpoints).
std::uint16_t free_tcp_port();

struct Deployment {
  // `tag` names the temporary folder. Keys are created at once.
  explicit Deployment(const std::string& tag);
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  std::filesystem::path dir;
  config::Config config;  // all three roles, cheap password hashing, quiet logs
  // Replaces the development certificate (pinned: the trust file holds it) with one for
  // `names` issued by a throwaway CA, which becomes tls.trust: certificates must then
  // carry the name they are dialed by. Returns the CA (to issue more).
  dtls::GeneratedCertificate use_test_ca(const dtls::CertificateRequest& names);
  // Writes `config` as YAML (plus `extra` lines at the top level) and returns its path.
  std::filesystem::path write_config(const std::string& name = "gameserver.yaml",
                                     const std::string& extra = "") const;
};

// `role` of `d` as a process of the built binary, its config (that role only, info logs,
// not development mode) written to DIR/<role>.yaml; with `admin_endpoint`, an admin
// endpoint on a free TCP port. Returns once the role listens (10 s).
std::unique_ptr<Process> start_role(Deployment& d, const std::string& role, bool admin_endpoint = false);

}  // namespace gs::test
