#include "dtls/aead_offload.hpp"

#include "dtls/fast_random.hpp"

#include "dtls/types.hpp"
#include "dtls/wolf.hpp"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <sodium.h>

#include <atomic>
#include <mutex>

namespace gs::dtls::detail {

namespace {

// Any value other than INVALID_DEVID (-2) that no other device uses in this process.
constexpr int kDeviceId = 0x67730001;

constexpr unsigned kKeyBytes = crypto_aead_aes256gcm_KEYBYTES;
constexpr unsigned kNonceBytes = crypto_aead_aes256gcm_NPUBBYTES;
constexpr unsigned kTagBytes = crypto_aead_aes256gcm_ABYTES;
static_assert(kKeyBytes == 32 && kNonceBytes == 12 && kTagBytes == 16);

std::atomic<unsigned long long> operations{0};
std::atomic<unsigned long long> random_draws{0};

// The key wolfCrypt keeps for devices (raw bytes, set by wc_AesGcmSetKey).
const unsigned char* raw_key(const Aes* aes) { return reinterpret_cast<const unsigned char*>(aes->devKey); }

bool fits(const Aes* aes, word32 iv_size, word32 tag_size) {
  return aes != nullptr && aes->keylen == static_cast<int>(kKeyBytes) && iv_size == kNonceBytes &&
         tag_size == kTagBytes;
}

// libsodium declares its buffers non-null even when their length is zero (an empty
// record, or no additional data); wolfCrypt passes null then.
unsigned char empty[1];
template <class T>
T* or_empty(T* p) {
  return p != nullptr ? p : reinterpret_cast<T*>(empty);
}

int encrypt(decltype(wc_CryptoInfo{}.cipher.aesgcm_enc) & a) {
  if (!fits(a.aes, a.ivSz, a.authTagSz)) return CRYPTOCB_UNAVAILABLE;
  operations.fetch_add(1, std::memory_order_relaxed);
  crypto_aead_aes256gcm_encrypt_detached(or_empty(a.out), a.authTag, nullptr, or_empty(a.in), a.sz,
                                         or_empty(a.authIn), a.authInSz, nullptr, a.iv, raw_key(a.aes));
  return 0;
}

int decrypt(decltype(wc_CryptoInfo{}.cipher.aesgcm_dec) & a) {
  if (!fits(a.aes, a.ivSz, a.authTagSz)) return CRYPTOCB_UNAVAILABLE;
  operations.fetch_add(1, std::memory_order_relaxed);
  if (crypto_aead_aes256gcm_decrypt_detached(or_empty(a.out), nullptr, or_empty(a.in), a.sz, a.authTag,
                                             or_empty(a.authIn), a.authInSz, a.iv, raw_key(a.aes)) != 0)
    return AES_GCM_AUTH_E;
  return 0;
}

// wolfCrypt asks the device first for every operation of an object created with its id;
// CRYPTOCB_UNAVAILABLE sends it back to the software implementation.
int device(int device_id, wc_CryptoInfo* info, void*) {
  if (device_id != kDeviceId || info == nullptr) return CRYPTOCB_UNAVAILABLE;
  if (info->algo_type == WC_ALGO_TYPE_RNG) {
    // Every AES-GCM record draws random bytes; see fast_random.hpp.
    fast_random(info->rng.out, info->rng.sz);
    random_draws.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  if (info->algo_type != WC_ALGO_TYPE_CIPHER || info->cipher.type != WC_CIPHER_AES_GCM)
    return CRYPTOCB_UNAVAILABLE;
  return info->cipher.enc ? encrypt(info->cipher.aesgcm_enc) : decrypt(info->cipher.aesgcm_dec);
}

bool register_device() {
  ensure_library();  // wolfCrypt's init clears the device table, so it must come first
  if (sodium_init() < 0) return false;
  if (crypto_aead_aes256gcm_is_available() == 0) return false;
  return wc_CryptoCb_RegisterDevice(kDeviceId, device, nullptr) == 0;
}

}  // namespace

bool aes_gcm_offload_available() {
  static std::once_flag once;
  static bool available = false;
  std::call_once(once, [] { available = register_device(); });
  return available;
}

int aes_gcm_offload_device() { return aes_gcm_offload_available() ? kDeviceId : INVALID_DEVID; }

unsigned long long aes_gcm_offload_operations() { return operations.load(std::memory_order_relaxed); }

unsigned long long offload_random_draws() { return random_draws.load(std::memory_order_relaxed); }

const char* default_cipher_list() { return aes_gcm_offload_available() ? kCipherListAesNi : kCipherList; }

}  // namespace gs::dtls::detail
