#include "dtls/wolf.hpp"

#include <algorithm>

#include "dtls/aead_offload.hpp"
#include "dtls/io.hpp"
#include "dtls/types.hpp"

#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include <string.h>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace gs::dtls {

void release_thread_caches() { wc_ecc_fp_free(); }

}  // namespace gs::dtls

namespace gs::dtls::detail {

void ensure_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) throw std::runtime_error("wolfSSL_Init failed");
  });
}

std::string error_string(int code) {
  char buf[WOLFSSL_MAX_ERROR_SZ] = {};
  wolfSSL_ERR_error_string_n(static_cast<unsigned long>(code), buf, sizeof(buf));
  const char* reason = wolfSSL_ERR_reason_error_string(static_cast<unsigned long>(code));
  std::string s = reason != nullptr && *reason != '\0' ? reason : buf;
  return s + " (" + std::to_string(code) + ")";
}

int io_recv(WOLFSSL*, char* buf, int sz, void* ctx) {
  auto* io = static_cast<Io*>(ctx);
  if (io == nullptr || io->in == nullptr) return WOLFSSL_CBIO_ERR_WANT_READ;
  std::size_t n = io->in_len;
  const std::uint8_t* p = io->in;
  io->clear_input();
  if (sz < 0 || n > static_cast<std::size_t>(sz)) {
    ++io->oversized_in;  // never hand wolfSSL a truncated datagram
    return WOLFSSL_CBIO_ERR_WANT_READ;
  }
  std::memcpy(buf, p, n);
  return static_cast<int>(n);
}

bool single_record_consumed(WOLFSSL* ssl, const Io& io) {
  return io.in == nullptr && wolfSSL_pending(ssl) == 0;
}

int io_send(WOLFSSL*, char* buf, int sz, void* ctx) {
  auto* io = static_cast<Io*>(ctx);
  if (io == nullptr || sz < 0) return WOLFSSL_CBIO_ERR_GENERAL;
  std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(sz));
  ++io->datagrams_out;
  // record header (13 bytes), then handshake type (1), length (3), message_seq (2)
  if (d.size() >= 13 + 12 && d[0] == 22 && d[3] == 0 && d[4] == 0)
    io->flight_seq = std::max<std::int32_t>(io->flight_seq, (d[17] << 8) | d[18]);
  if (io->capture != nullptr) {
    io->capture->emplace_back(d.begin(), d.end());
  } else if (io->out != nullptr) {
    if (io->keep != nullptr) io->keep->emplace_back(d.begin(), d.end());
    io->out->transmit(io->peer, d);
  }
  return sz;
}

void configure_common(WOLFSSL_CTX* ctx) {
  if (wolfSSL_CTX_set_cipher_list(ctx, default_cipher_list()) != WOLFSSL_SUCCESS)
    throw std::runtime_error("cannot set the DTLS cipher list");
  if (aes_gcm_offload_available() && wolfSSL_CTX_SetDevId(ctx, aes_gcm_offload_device()) != WOLFSSL_SUCCESS)
    throw std::runtime_error("cannot attach the AES-GCM device to the DTLS context");
  wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
  wolfSSL_CTX_NoTicketTLSv12(ctx);
  wolfSSL_CTX_set_group_messages(ctx);
  wolfSSL_CTX_SetIORecv(ctx, io_recv);
  wolfSSL_CTX_SetIOSend(ctx, io_send);
}

void wipe(void* p, std::size_t n) {
  if (p != nullptr && n > 0) explicit_bzero(p, n);
}

}  // namespace gs::dtls::detail
