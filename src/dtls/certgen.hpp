// ECDSA P-256 certificates for DTLS: used by `gameserver keygen`, by the development keys
// and by tests, which generate their own keys (and their own CA when they need one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gs::dtls {

struct CertificateRequest {
  std::string common_name = "gameserver";
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries (may be empty)
  int days_valid = 3650;
  // subjectAltName iPAddress entries, "127.0.0.1" or "::1" (may be empty).
  std::vector<std::string> ip_addresses{};
};

struct GeneratedCertificate {
  std::string certificate_pem;  // "-----BEGIN CERTIFICATE-----"
  std::string private_key_pem;  // PKCS#8, PEM label "PRIVATE KEY"
};

// A fresh P-256 key and a self-signed certificate (ecdsa-with-SHA256) for it. The
// certificate is marked as a CA so that clients can also use it as their trust file.
// Throws std::runtime_error naming the failing step.
GeneratedCertificate generate_self_signed(const CertificateRequest& request = {});

// A fresh P-256 key and a certificate for it signed by `issuer` (a certificate and key
// made by generate_self_signed): an end-entity certificate, not a CA. Throws
// std::runtime_error naming the failing step.
GeneratedCertificate issue_certificate(const CertificateRequest& request, const GeneratedCertificate& issuer);

// The 4 or 16 bytes of an IPv4 or IPv6 address in text; empty when `text` is neither.
std::vector<std::uint8_t> ip_address_bytes(const std::string& text);
// True when `text` is an IPv4 or IPv6 address (and so belongs in ip_addresses).
bool is_ip_address(const std::string& text);

}  // namespace gs::dtls
