// AES-256-GCM records sealed through libsodium's AES-NI code must be byte-for-byte what
// wolfCrypt's own AES-GCM produces, refuse what it refuses, and be what a default
// connection uses on a CPU with AES instructions.
#include "harness.hpp"

#include "dtls/aead_offload.hpp"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <doctest/doctest.h>

#include <array>
#include <vector>

using namespace gs::dtls::test;

namespace {

struct Sealed {
  std::vector<byte> ciphertext;
  std::array<byte, 16> tag{};
};

// One AES-256-GCM seal with wolfCrypt, on the software path or through `device`.
Sealed seal(int device, const std::array<byte, 32>& key, const std::array<byte, 12>& nonce,
            const std::vector<byte>& plain, const std::vector<byte>& aad) {
  Aes aes;
  REQUIRE(wc_AesInit(&aes, nullptr, device) == 0);
  REQUIRE(wc_AesGcmSetKey(&aes, key.data(), key.size()) == 0);
  Sealed s;
  s.ciphertext.resize(plain.size());
  REQUIRE(wc_AesGcmEncrypt(&aes, s.ciphertext.data(), plain.data(), static_cast<word32>(plain.size()),
                           nonce.data(), nonce.size(), s.tag.data(), s.tag.size(), aad.data(),
                           static_cast<word32>(aad.size())) == 0);
  wc_AesFree(&aes);
  return s;
}

int open(int device, const std::array<byte, 32>& key, const std::array<byte, 12>& nonce, const Sealed& s,
         const std::vector<byte>& aad, std::vector<byte>& plain) {
  Aes aes;
  REQUIRE(wc_AesInit(&aes, nullptr, device) == 0);
  REQUIRE(wc_AesGcmSetKey(&aes, key.data(), key.size()) == 0);
  plain.assign(s.ciphertext.size(), 0);
  int rc = wc_AesGcmDecrypt(&aes, plain.data(), s.ciphertext.data(), static_cast<word32>(s.ciphertext.size()),
                            nonce.data(), nonce.size(), s.tag.data(), s.tag.size(), aad.data(),
                            static_cast<word32>(aad.size()));
  wc_AesFree(&aes);
  return rc;
}

}  // namespace

TEST_CASE("the AES-NI device seals and opens exactly as wolfCrypt does") {
  if (!gs::dtls::detail::aes_gcm_offload_available()) {
    MESSAGE("this CPU has no AES-NI/PCLMULQDQ: records use wolfCrypt's own code; nothing to compare");
    CHECK(gs::dtls::detail::aes_gcm_offload_device() == INVALID_DEVID);
    return;
  }
  const int device = gs::dtls::detail::aes_gcm_offload_device();
  std::array<byte, 32> key{};
  std::array<byte, 12> nonce{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<byte>(i * 7 + 1);
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<byte>(0xa0 + i);
  const std::vector<byte> aad{0, 0, 0, 0, 0, 0, 0, 1, 23, 0xfe, 0xfd, 0, 100};  // a DTLS record's
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{100},
                           std::size_t{1351}}) {
    CAPTURE(size);
    std::vector<byte> plain(size);
    for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<byte>(i ^ 0x5a);

    const auto before = gs::dtls::detail::aes_gcm_offload_operations();
    const Sealed fast = seal(device, key, nonce, plain, aad);
    CHECK(gs::dtls::detail::aes_gcm_offload_operations() == before + 1);  // the device did it
    const Sealed soft = seal(INVALID_DEVID, key, nonce, plain, aad);
    CHECK(gs::dtls::detail::aes_gcm_offload_operations() == before + 1);  // and not this one
    CHECK(fast.ciphertext == soft.ciphertext);
    CHECK(fast.tag == soft.tag);

    std::vector<byte> back;
    CHECK(open(device, key, nonce, soft, aad, back) == 0);
    CHECK(back == plain);
    CHECK(open(INVALID_DEVID, key, nonce, fast, aad, back) == 0);
    CHECK(back == plain);

    Sealed forged = fast;
    forged.tag[3] ^= 1;
    CHECK(open(device, key, nonce, forged, aad, back) == AES_GCM_AUTH_E);
    std::vector<byte> other_aad = aad;
    other_aad[7] = 2;  // another record number
    CHECK(open(device, key, nonce, fast, other_aad, back) == AES_GCM_AUTH_E);
  }
}

TEST_CASE("default connections use the fast suite; a ChaCha20-only client still connects") {
  {
    World w;
    Peer& p = w.add_client();
    const auto before = gs::dtls::detail::aes_gcm_offload_operations();
    REQUIRE(w.connect(p));
    const gs::dtls::PeerId id = w.sevents.accepted[0];
    CHECK(p.client->send(bytes("over the fast path")) == gs::dtls::SendResult::ok);
    w.pump();
    REQUIRE(w.sevents.data[id].size() == 1);
    CHECK(w.sevents.data[id][0] == "over the fast path");
    if (gs::dtls::detail::aes_gcm_offload_available()) {
      CHECK(p.client->cipher_name().find("AES256-GCM") != std::string::npos);
      // Finished messages and the record, sealed by one side and opened by the other.
      CHECK(gs::dtls::detail::aes_gcm_offload_operations() >= before + 4);
    } else {
      CHECK(p.client->cipher_name().find("CHACHA20") != std::string::npos);
      CHECK(gs::dtls::detail::aes_gcm_offload_operations() == before);
    }
  }
  {
    World w;
    gs::dtls::ClientConfig cc;
    cc.pinned_certificate_pem = server_cert().certificate_pem;
    cc.cipher_list = "ECDHE-ECDSA-CHACHA20-POLY1305";
    Peer& p = w.add_client(std::make_shared<gs::dtls::ClientContext>(cc));
    REQUIRE(w.connect(p));
    CHECK(p.client->cipher_name().find("CHACHA20") != std::string::npos);
    const gs::dtls::PeerId id = w.sevents.accepted[0];
    CHECK(p.client->send(bytes("chacha")) == gs::dtls::SendResult::ok);
    w.pump();
    REQUIRE(w.sevents.data[id].size() == 1);
    CHECK(w.sevents.data[id][0] == "chacha");
  }
}
