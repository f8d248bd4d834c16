// Self-signed ECDSA P-256 certificates for DTLS: used by `gameserver keygen` and by
// tests, which generate their own keys.
#pragma once

#include <string>
#include <vector>

namespace dtls {

struct CertificateRequest {
  std::string common_name = "gameserver";
  std::vector<std::string> dns_names;  // subjectAltName DNS entries (may be empty)
  int days_valid = 3650;
};

struct GeneratedCertificate {
  std::string certificate_pem;  // "-----BEGIN CERTIFICATE-----"
  std::string private_key_pem;  // PKCS#8, PEM label "PRIVATE KEY"
};

// A fresh P-256 key and a self-signed certificate (ecdsa-with-SHA256) for it. The
// certificate is marked as a CA so that clients can also use it as their CA file.
// Throws std::runtime_error naming the failing step.
GeneratedCertificate generate_self_signed(const CertificateRequest& request = {});

}  // namespace dtls
