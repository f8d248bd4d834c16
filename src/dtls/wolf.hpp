// Thin RAII helpers over wolfSSL, internal to the dtls layer.
#pragma once

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <memory>
#include <string>

namespace gs::dtls::detail {

// Initializes wolfSSL once per process (thread-safe, idempotent).
void ensure_library();

struct CtxFree {
  void operator()(WOLFSSL_CTX* c) const { wolfSSL_CTX_free(c); }
};
struct SslFree {
  void operator()(WOLFSSL* s) const { wolfSSL_free(s); }
};
using CtxPtr = std::unique_ptr<WOLFSSL_CTX, CtxFree>;
using SslPtr = std::unique_ptr<WOLFSSL, SslFree>;

// "reason (code)" for a wolfSSL error code.
std::string error_string(int code);

// Applies settings both sides share: AEAD cipher list, curves, no session cache or
// tickets, grouped handshake messages, custom buffer I/O. Throws std::runtime_error.
void configure_common(WOLFSSL_CTX* ctx);

// The buffer I/O callbacks installed on every context by configure_common.
int io_recv(WOLFSSL* ssl, char* buf, int sz, void* ctx);
int io_send(WOLFSSL* ssl, char* buf, int sz, void* ctx);

struct Io;

// After a read that returned data from a datagram that was exactly one record: true when
// wolfSSL has taken that datagram and holds no further data, so another wolfSSL_read
// could only answer WANT_READ (which wolfSSL's error reporting formats with snprintf:
// about a tenth of the cost of a small record).
bool single_record_consumed(WOLFSSL* ssl, const Io& io);

// Securely clears memory that held secrets.
void wipe(void* p, std::size_t n);

}  // namespace gs::dtls::detail
