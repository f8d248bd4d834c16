// Shared vocabulary of the DTLS layer: time, limits. Why a connection ended is a
// gs::End (common/end.hpp), shared with the layers above.
#pragma once

#include "common/end.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gs::dtls {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// Largest application payload carried by one DTLS record (one datagram) with every
// suite below in Debian's wolfSSL 5.5.4: 1351 with AES-GCM (8-byte explicit nonce),
// 1359 with ChaCha20-Poly1305. Callers size their datagrams to this.
inline constexpr std::size_t kMaxRecordPayload = 1351;

// The size handed to wolfSSL_read. wolfSSL grows its input buffer to max(size + 100,
// MAX_MTU) for every record it reads and wipes and frees it afterwards, so asking for
// 16 KB cost a 17 KB allocation and wipe per datagram. Our records never carry more
// than kMaxRecordPayload; a larger one from a foreign peer arrives in two reads.
inline constexpr std::size_t kReadSize = 1500;

// AEAD-only, forward-secret suites; ChaCha20-Poly1305 first (no AES-NI in Debian's
// wolfSSL build, where AES-GCM runs at a fraction of its speed), then AES-GCM. Used as
// is when the CPU lacks AES instructions; otherwise kCipherListAesNi below.
inline constexpr const char* kCipherList =
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";

// The same suites with AES-256-GCM first, for CPUs whose AES instructions carry it
// (see aead_offload.hpp): there it is several times faster than ChaCha20-Poly1305.
inline constexpr const char* kCipherListAesNi =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

// Frees wolfSSL's per-thread ECC caches. Call it at the end of any thread other than
// the main one that ran handshakes (an event-loop or test thread), or they leak.
void release_thread_caches();

// Result of handing one application payload to a connection.
enum class SendResult : std::uint8_t {
  ok,
  not_connected,  // handshake not finished, or closed
  too_large,      // payload above kMaxRecordPayload
  failed,         // the TLS library refused (connection is now failing)
};

}  // namespace gs::dtls
