#include "dtls/certgen.hpp"

#include "dtls/wolf.hpp"

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace dtls {

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

// GeneralNames ::= SEQUENCE OF [2] IMPLICIT IA5String (dNSName)
std::vector<std::uint8_t> encode_dns_names(const std::vector<std::string>& names) {
  std::vector<std::uint8_t> body;
  for (const auto& n : names) {
    body.push_back(0x82);
    append_length(body, n.size());
    body.insert(body.end(), n.begin(), n.end());
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

}  // namespace

GeneratedCertificate generate_self_signed(const CertificateRequest& request) {
  detail::ensure_library();
  if (request.common_name.empty() || request.common_name.size() >= CTC_NAME_SIZE)
    throw std::runtime_error("certificate common name must be 1 to 63 characters");
  Rng rng;
  EccKey key;
  check(wc_ecc_make_key_ex(&rng.rng, 32, &key.key, ECC_SECP256R1), "wc_ecc_make_key_ex");

  auto cert = std::make_unique<Cert>();
  check(wc_InitCert(cert.get()), "wc_InitCert");
  std::strncpy(cert->subject.commonName, request.common_name.c_str(), CTC_NAME_SIZE - 1);
  std::strncpy(cert->subject.org, "gameserver", CTC_NAME_SIZE - 1);
  cert->daysValid = request.days_valid;
  cert->selfSigned = 1;
  cert->isCA = 1;
  cert->sigType = CTC_SHA256wECDSA;
  if (!request.dns_names.empty()) {
    auto san = encode_dns_names(request.dns_names);
    if (san.size() > sizeof(cert->altNames))
      throw std::runtime_error("too many certificate DNS names");
    std::memcpy(cert->altNames, san.data(), san.size());
    cert->altNamesSz = static_cast<int>(san.size());
  }

  std::vector<std::uint8_t> der(4096);
  check(wc_MakeCert(cert.get(), der.data(), static_cast<word32>(der.size()), nullptr, &key.key,
                    &rng.rng),
        "wc_MakeCert");
  int der_len = wc_SignCert(cert->bodySz, cert->sigType, der.data(),
                            static_cast<word32>(der.size()), nullptr, &key.key, &rng.rng);
  check(der_len, "wc_SignCert");

  GeneratedCertificate out;
  out.certificate_pem = der_to_pem(der.data(), static_cast<std::size_t>(der_len), CERT_TYPE);

  word32 key_len = 0;
  wc_EccKeyToPKCS8(&key.key, nullptr, &key_len);  // asks for the size
  if (key_len == 0) throw std::runtime_error("wc_EccKeyToPKCS8 size query failed");
  std::vector<std::uint8_t> key_der(key_len);
  check(wc_EccKeyToPKCS8(&key.key, key_der.data(), &key_len), "wc_EccKeyToPKCS8");
  out.private_key_pem = der_to_pem(key_der.data(), key_len, PKCS8_PRIVATEKEY_TYPE);
  detail::wipe(key_der.data(), key_der.size());
  return out;
}

}  // namespace dtls
