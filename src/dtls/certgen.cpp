#include "dtls/certgen.hpp"

#include "dtls/wolf.hpp"

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace gs::dtls {

namespace {

void check(int ret, const char* step) {
  if (ret < 0) throw std::runtime_error(std::string(step) + " failed: " + std::to_string(ret));
}

void append_length(std::vector<std::uint8_t>& out, std::size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else if (len < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len));
  }
}

void append_general_name(std::vector<std::uint8_t>& body, std::uint8_t tag, const std::uint8_t* data,
                         std::size_t size) {
  body.push_back(tag);
  append_length(body, size);
  body.insert(body.end(), data, data + size);
}

// GeneralNames ::= SEQUENCE OF GeneralName, with [2] IMPLICIT IA5String (dNSName) and
// [7] IMPLICIT OCTET STRING (iPAddress) entries.
std::vector<std::uint8_t> encode_alt_names(const CertificateRequest& request) {
  std::vector<std::uint8_t> body;
  for (const auto& n : request.dns_names) {
    if (n.empty()) throw std::runtime_error("empty certificate DNS name");
    append_general_name(body, 0x82, reinterpret_cast<const std::uint8_t*>(n.data()), n.size());
  }
  for (const auto& ip : request.ip_addresses) {
    auto raw = ip_address_bytes(ip);
    if (raw.empty()) throw std::runtime_error("not an IP address: " + ip);
    append_general_name(body, 0x87, raw.data(), raw.size());
  }
  std::vector<std::uint8_t> out{0x30};
  append_length(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::string der_to_pem(const std::uint8_t* der, std::size_t len, int type) {
  std::string pem(len * 2 + 128, '\0');
  int n = wc_DerToPem(der, static_cast<word32>(len), reinterpret_cast<byte*>(pem.data()),
                      static_cast<word32>(pem.size()), type);
  check(n, "wc_DerToPem");
  pem.resize(static_cast<std::size_t>(n));
  return pem;
}

struct Rng {
  WC_RNG rng{};
  Rng() { check(wc_InitRng(&rng), "wc_InitRng"); }
  ~Rng() { wc_FreeRng(&rng); }
};

struct EccKey {
  ecc_key key{};
  EccKey() { check(wc_ecc_init(&key), "wc_ecc_init"); }
  ~EccKey() { wc_ecc_free(&key); }
};

void set_alt_names(Cert& cert, const CertificateRequest& request) {
  if (request.dns_names.empty() && request.ip_addresses.empty()) return;
  auto san = encode_alt_names(request);
  if (san.size() > sizeof(cert.altNames)) throw std::runtime_error("too many certificate names");
  std::memcpy(cert.altNames, san.data(), san.size());
  cert.altNamesSz = static_cast<int>(san.size());
}

std::vector<std::uint8_t> pem_to_der(const std::string& pem, int type, const char* what) {
  std::vector<std::uint8_t> der(pem.size());
  int n =
      type == CERT_TYPE
          ? wc_CertPemToDer(reinterpret_cast<const unsigned char*>(pem.data()), static_cast<int>(pem.size()),
                            der.data(), static_cast<int>(der.size()), type)
          : wc_KeyPemToDer(reinterpret_cast<const unsigned char*>(pem.data()), static_cast<int>(pem.size()),
                           der.data(), static_cast<int>(der.size()), nullptr);
  if (n <= 0) throw std::runtime_error(std::string("cannot read the ") + what + " (PEM expected)");
  der.resize(static_cast<std::size_t>(n));
  return der;
}

// Loads a PKCS#8 (or SEC1) P-256 private key written by this file into `key`.
void load_private_key(const std::string& pem, ecc_key& key) {
  auto der = pem_to_der(pem, PRIVATEKEY_TYPE, "issuer key");
  word32 index = 0;  // past the PKCS#8 wrapping, if there is one
  if (wc_GetPkcs8TraditionalOffset(der.data(), &index, static_cast<word32>(der.size())) < 0) index = 0;
  int ret = wc_EccPrivateKeyDecode(der.data(), &index, &key, static_cast<word32>(der.size()));
  detail::wipe(der.data(), der.size());
  check(ret, "wc_EccPrivateKeyDecode");
}

// Signs `cert` (the subject's fields already set) for `subject` with `signer`, and
// returns the certificate and the subject's private key in PEM.
GeneratedCertificate sign(Cert& cert, ecc_key& subject, ecc_key& signer, WC_RNG& rng) {
  cert.sigType = CTC_SHA256wECDSA;
  std::vector<std::uint8_t> der(4096);
  check(wc_MakeCert(&cert, der.data(), static_cast<word32>(der.size()), nullptr, &subject, &rng),
        "wc_MakeCert");
  int der_len = wc_SignCert(cert.bodySz, cert.sigType, der.data(), static_cast<word32>(der.size()), nullptr,
                            &signer, &rng);
  check(der_len, "wc_SignCert");

  GeneratedCertificate out;
  out.certificate_pem = der_to_pem(der.data(), static_cast<std::size_t>(der_len), CERT_TYPE);

  word32 key_len = 0;
  wc_EccKeyToPKCS8(&subject, nullptr, &key_len);  // asks for the size
  if (key_len == 0) throw std::runtime_error("wc_EccKeyToPKCS8 size query failed");
  std::vector<std::uint8_t> key_der(key_len);
  check(wc_EccKeyToPKCS8(&subject, key_der.data(), &key_len), "wc_EccKeyToPKCS8");
  out.private_key_pem = der_to_pem(key_der.data(), key_len, PKCS8_PRIVATEKEY_TYPE);
  detail::wipe(key_der.data(), key_der.size());
  return out;
}

// A Cert with the request's subject, lifetime and names.
std::unique_ptr<Cert> new_cert(const CertificateRequest& request) {
  if (request.common_name.empty() || request.common_name.size() >= CTC_NAME_SIZE)
    throw std::runtime_error("certificate common name must be 1 to 63 characters");
  auto cert = std::make_unique<Cert>();
  check(wc_InitCert(cert.get()), "wc_InitCert");
  std::strncpy(cert->subject.commonName, request.common_name.c_str(), CTC_NAME_SIZE - 1);
  std::strncpy(cert->subject.org, "gameserver", CTC_NAME_SIZE - 1);
  cert->daysValid = request.days_valid;
  set_alt_names(*cert, request);
  return cert;
}

}  // namespace

GeneratedCertificate generate_self_signed(const CertificateRequest& request) {
  detail::ensure_library();
  auto cert = new_cert(request);
  cert->selfSigned = 1;
  cert->isCA = 1;
  Rng rng;
  EccKey key;
  check(wc_ecc_make_key_ex(&rng.rng, 32, &key.key, ECC_SECP256R1), "wc_ecc_make_key_ex");
  return sign(*cert, key.key, key.key, rng.rng);
}

GeneratedCertificate issue_certificate(const CertificateRequest& request,
                                       const GeneratedCertificate& issuer) {
  detail::ensure_library();
  auto cert = new_cert(request);
  cert->selfSigned = 0;
  cert->isCA = 0;
  auto issuer_der = pem_to_der(issuer.certificate_pem, CERT_TYPE, "issuer certificate");
  check(wc_SetIssuerBuffer(cert.get(), issuer_der.data(), static_cast<int>(issuer_der.size())),
        "wc_SetIssuerBuffer");
  Rng rng;
  EccKey signer;
  load_private_key(issuer.private_key_pem, signer.key);
  EccKey key;
  check(wc_ecc_make_key_ex(&rng.rng, 32, &key.key, ECC_SECP256R1), "wc_ecc_make_key_ex");
  return sign(*cert, key.key, signer.key, rng.rng);
}

std::vector<std::uint8_t> ip_address_bytes(const std::string& text) {
  std::uint8_t buf[16];
  if (::inet_pton(AF_INET, text.c_str(), buf) == 1) return {buf, buf + 4};
  if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) return {buf, buf + 16};
  return {};
}

bool is_ip_address(const std::string& text) { return !ip_address_bytes(text).empty(); }

}  // namespace gs::dtls
