// AES-256-GCM record protection on the CPU's AES instructions.
//
// Debian's wolfSSL is built without AES-NI, so its AES-GCM runs in portable C at about
// a fifth of ChaCha20-Poly1305's speed, and ChaCha20 itself has no vector code there
// either: record encryption was the largest single cost of a busy connection. libsodium
// (already a dependency) carries AES-256-GCM on AES-NI and PCLMULQDQ. When the CPU has
// them, this module registers a wolfCrypt crypto-callback device that runs AES-256-GCM
// through libsodium, serves the random bytes wolfSSL draws for every AES-GCM record
// from a fast generator (fast_random.hpp), and leaves every other operation
// (handshake hashes, signatures, key agreement, other ciphers) to wolfSSL's own code;
// the DTLS contexts use that device and prefer ECDHE-*-AES256-GCM-SHA384. The records on the wire are
// standard DTLS 1.2 AES-GCM (RFC 5288), so any peer, OpenSSL included, interoperates.
#pragma once

namespace gs::dtls::detail {

// Registers the device once (thread-safe). True when AES-256-GCM runs on AES-NI.
bool aes_gcm_offload_available();

// The wolfCrypt device id contexts should use (wolfSSL_CTX_SetDevId), or INVALID_DEVID.
int aes_gcm_offload_device();

// Records the device has sealed or opened since the process started (for tests and
// statistics: proves the fast path is the one in use).
unsigned long long aes_gcm_offload_operations();

// Random draws the device has served (wolfSSL asks its device for random bytes when the
// connection's RNG was created with the device id; see fast_random.hpp).
unsigned long long offload_random_draws();

// The cipher list contexts get by default: AES-256-GCM first when offloaded,
// ChaCha20-Poly1305 first otherwise; AEAD with ECDHE only in both cases.
const char* default_cipher_list();

}  // namespace gs::dtls::detail
