// Random bytes for DTLS records, cheap enough to draw for every one.
//
// wolfSSL draws a fresh random block for every AES-GCM record it writes, from its
// SHA-256 Hash_DRBG: about 12,000 instructions per record, more than sealing the
// record itself and the largest single cost of a small message (see
// docs/BENCHMARKS.md). This is a "fast key erasure" generator instead: a ChaCha20
// keystream (libsodium) whose first 32 bytes of every block of output become the next
// key, so the state never holds a key that produced bytes already handed out. It is
// seeded from libsodium's randombytes (the kernel's getrandom) per thread, and reseeded
// in a child after fork() so parent and child never share a stream.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gs::dtls::detail {

// Fills `out` with `size` cryptographically secure random bytes. Thread-safe (state per
// thread); never fails once libsodium is initialised (sodium_init).
void fast_random(std::uint8_t* out, std::size_t size);

}  // namespace gs::dtls::detail
