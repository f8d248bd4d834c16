#include "dtls/client.hpp"

#include "dtls/certgen.hpp"
#include "dtls/records.hpp"

#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gs::dtls {

namespace {

bool wants_io(int err) { return err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE; }

std::vector<std::uint8_t> pem_to_der(const std::string& pem, const char* what = "pinned certificate") {
  std::vector<std::uint8_t> der(pem.size());
  int n = wc_CertPemToDer(reinterpret_cast<const unsigned char*>(pem.data()), static_cast<int>(pem.size()),
                          der.data(), static_cast<int>(der.size()), CERT_TYPE);
  if (n <= 0) throw std::runtime_error(std::string("the ") + what + " is not a PEM certificate");
  der.resize(static_cast<std::size_t>(n));
  return der;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) throw std::runtime_error("cannot load CA file " + path);
  return text.str();
}

// "[::1]" -> "::1": a bracketed IPv6 host as written in HOST:PORT.
std::string bare_host(std::string_view name) {
  if (name.size() > 2 && name.front() == '[' && name.back() == ']')
    return std::string(name.substr(1, name.size() - 2));
  return std::string(name);
}

// True when `cert` has an iPAddress subjectAltName of these raw bytes. Compared as
// bytes: wolfSSL_X509_check_ip_asc in wolfSSL 5.5.4 matches IPv4 but not "::1", since it
// compares text and prints IPv6 SANs in another form.
bool names_ip(WOLFSSL_X509* cert, std::span<const std::uint8_t> ip) {
  constexpr int kGeneralNameIp = 7;  // GeneralName [7] iPAddress (GEN_IPADD)
  auto* names = static_cast<WOLFSSL_GENERAL_NAMES*>(
      wolfSSL_X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < wolfSSL_sk_GENERAL_NAME_num(names) && !found; ++i) {
    WOLFSSL_GENERAL_NAME* n = wolfSSL_sk_GENERAL_NAME_value(names, i);
    if (n == nullptr || n->type != kGeneralNameIp || n->d.iPAddress == nullptr) continue;
    const unsigned char* data = wolfSSL_ASN1_STRING_data(n->d.iPAddress);
    int length = wolfSSL_ASN1_STRING_length(n->d.iPAddress);
    found =
        data != nullptr && length == static_cast<int>(ip.size()) && std::equal(ip.begin(), ip.end(), data);
  }
  wolfSSL_GENERAL_NAMES_free(names);
  return found;
}

// True when `cert` carries `name`: as an iPAddress subjectAltName for an IP address,
// as a dNSName (wildcards as RFC 6125 allows) otherwise.
bool certificate_names(WOLFSSL_X509* cert, const std::string& name) {
  if (auto ip = ip_address_bytes(name); !ip.empty()) return names_ip(cert, ip);
  return wolfSSL_X509_check_host(cert, name.c_str(), name.size(), 0, nullptr) == WOLFSSL_SUCCESS;
}

struct X509Free {
  void operator()(WOLFSSL_X509* x) const { wolfSSL_X509_free(x); }
};

}  // namespace

void ClientContext::load_trust_file(const std::string& pem) {
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  for (std::size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;
       at = pem.find("-----BEGIN CERTIFICATE-----", at)) {
    std::size_t end = pem.find(kEnd, at);
    if (end == std::string::npos) break;
    end += kEnd.size();
    trust_file_der_.push_back(pem_to_der(pem.substr(at, end - at), "trust file"));
    at = end;
  }
  if (wolfSSL_CTX_load_verify_buffer(ctx_.get(), reinterpret_cast<const unsigned char*>(pem.data()),
                                     static_cast<long>(pem.size()), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
    throw std::runtime_error("cannot load the CA certificates (PEM expected)");
}

bool ClientContext::in_trust_file(std::span<const std::uint8_t> der) const {
  return std::any_of(trust_file_der_.begin(), trust_file_der_.end(), [&](const auto& known) {
    return known.size() == der.size() && std::equal(known.begin(), known.end(), der.begin());
  });
}

ClientContext::ClientContext(const ClientConfig& config) : config_(config) {
  detail::ensure_library();
  ctx_.reset(wolfSSL_CTX_new(wolfDTLSv1_2_client_method()));
  if (!ctx_) throw std::runtime_error("cannot create the DTLS client context");
  detail::configure_common(ctx_.get());
  if (!config_.cipher_list.empty() &&
      wolfSSL_CTX_set_cipher_list(ctx_.get(), config_.cipher_list.c_str()) != WOLFSSL_SUCCESS)
    throw std::runtime_error("invalid DTLS cipher list: " + config_.cipher_list);
  // Key agreement: X25519 first (several times cheaper than P-256 in this wolfSSL build),
  // P-256 for servers without it.
  wolfSSL_CTX_UseSupportedCurve(ctx_.get(), WOLFSSL_ECC_X25519);
  wolfSSL_CTX_UseSupportedCurve(ctx_.get(), WOLFSSL_ECC_SECP256R1);
  if (!config_.extended_master_secret) wolfSSL_CTX_DisableExtendedMasterSecret(ctx_.get());

  if (config_.insecure) {
    wolfSSL_CTX_set_verify(ctx_.get(), WOLFSSL_VERIFY_NONE, nullptr);
    return;
  }
  if (!config_.pinned_certificate_pem.empty()) {
    pinned_der_ = pem_to_der(config_.pinned_certificate_pem);
  } else if (!config_.ca_pem.empty()) {
    load_trust_file(config_.ca_pem);
  } else if (!config_.ca_file.empty()) {
    try {
      load_trust_file(read_file(config_.ca_file));
    } catch (const std::runtime_error&) {
      throw std::runtime_error("cannot load CA file " + config_.ca_file);
    }
  } else {
    throw std::runtime_error(
        "no way to verify the server: give a pinned certificate or a CA file, "
        "or set insecure");
  }
  wolfSSL_CTX_set_verify(ctx_.get(), WOLFSSL_VERIFY_PEER, &Client::verify_callback);
}

Client::Client(std::shared_ptr<const ClientContext> context, ClientHandler& handler, std::string server_name)
    : context_(std::move(context)),
      handler_(handler),
      timer_(context_->config_.retransmit_initial, context_->config_.retransmit_max),
      server_name_(std::move(server_name)) {
  server_name_ =
      bare_host(context_->config_.server_name.empty() ? std::string_view(server_name_)
                                                      : std::string_view(context_->config_.server_name));
  ssl_.reset(wolfSSL_new(context_->ctx_.get()));
  if (!ssl_) throw std::runtime_error("cannot create a DTLS client session");
  WOLFSSL* ssl = ssl_.get();
  wolfSSL_dtls_set_using_nonblock(ssl, 1);
  io_.out = this;
  io_.owner = this;
  wolfSSL_SetIOReadCtx(ssl, &io_);
  wolfSSL_SetIOWriteCtx(ssl, &io_);
  wolfSSL_SetCertCbCtx(ssl, this);
}

Client::~Client() = default;

int Client::verify_callback(int preverify, WOLFSSL_X509_STORE_CTX* store) {
  auto* self = static_cast<Client*>(store->userCtx);
  if (self == nullptr) return preverify;
  const auto& pinned = self->context_->pinned_der_;
  if (!pinned.empty()) {
    if (store->error_depth > 0) return 1;  // the chain does not matter, the leaf does
    const unsigned char* der = nullptr;
    int der_len = 0;
    if (WOLFSSL_X509* cert = wolfSSL_X509_STORE_CTX_get_current_cert(store))
      der = wolfSSL_X509_get_der(cert, &der_len);
    if (der == nullptr && store->certs != nullptr && store->totalCerts > 0) {
      der = store->certs[0].buffer;
      der_len = static_cast<int>(store->certs[0].length);
    }
    if (der != nullptr && static_cast<std::size_t>(der_len) == pinned.size() &&
        std::memcmp(der, pinned.data(), pinned.size()) == 0)
      return 1;
    self->verify_error_ = "server certificate does not match the pinned certificate";
    return 0;
  }
  if (!preverify && self->verify_error_.empty()) {
    self->verify_error_ = std::string("server certificate not trusted: ") +
                          wolfSSL_X509_verify_cert_error_string(store->error) + " (" +
                          std::to_string(store->error) + ")";
  }
  if (store->error_depth > 0 || !preverify) return preverify;
  return self->verify_leaf(preverify, store);
}

int Client::verify_leaf(int preverify, WOLFSSL_X509_STORE_CTX* store) {
  std::unique_ptr<WOLFSSL_X509, X509Free> parsed;
  WOLFSSL_X509* cert = wolfSSL_X509_STORE_CTX_get_current_cert(store);
  if (cert == nullptr && store->certs != nullptr && store->totalCerts > 0) {
    parsed.reset(wolfSSL_X509_d2i(nullptr, store->certs[0].buffer, static_cast<int>(store->certs[0].length)));
    cert = parsed.get();
  }
  int der_len = 0;
  const unsigned char* der = cert != nullptr ? wolfSSL_X509_get_der(cert, &der_len) : nullptr;
  if (der == nullptr || der_len <= 0) {
    verify_error_ = "server certificate unreadable";
    return 0;
  }
  if (context_->in_trust_file({der, static_cast<std::size_t>(der_len)})) {
    leaf_checked_ = true;  // pinned: trusted by identity, names do not matter
    return preverify;
  }
  if (server_name_.empty()) {
    verify_error_ = "no server name to check the CA-issued server certificate against";
    return 0;
  }
  if (!certificate_names(cert, server_name_)) {
    verify_error_ = "server certificate does not name " + server_name_;
    return 0;
  }
  leaf_checked_ = true;
  return preverify;
}

std::string Client::refusal_after_handshake() const {
  const auto& cfg = context_->config_;
  if (cfg.extended_master_secret && (server_hello_without_ems_ || !server_hello_ems_))
    return "the server does not use Extended Master Secret (RFC 7627)";
  // wolfSSL calls verify_callback for every certificate (WOLFSSL_ALWAYS_VERIFY_CB);
  // should a build not, an unchecked name must not pass silently.
  if (!cfg.insecure && context_->pinned_der_.empty() && !leaf_checked_)
    return "server certificate name not checked";
  return {};
}

void Client::transmit(const net::Address&, std::span<const std::uint8_t> datagram) {
  handler_.on_transmit(datagram);
}

void Client::start(TimePoint now) {
  if (state_ != State::idle) return;
  set_state(State::handshaking);
  started_ = now;
  step(now, false);
}

void Client::step(TimePoint now, bool answering) {
  const auto flight_before = io_.flight_seq;
  int ret = wolfSSL_connect(ssl_.get());
  if (ret == WOLFSSL_SUCCESS) {
    if (auto why = refusal_after_handshake(); !why.empty()) {
      wolfSSL_shutdown(ssl_.get());
      return fail(gs::EndCode::handshake_failed, std::move(why));
    }
    set_state(State::connected);
    handler_.on_connected();
    if (state_ == State::connected) read_records();
    return;
  }
  int err = wolfSSL_get_error(ssl_.get(), ret);
  if (wants_io(err)) {
    if (io_.flight_seq > flight_before) timer_.flight_sent(now, answering);
    return;
  }
  std::string detail =
      !verify_error_.empty() ? verify_error_ : "handshake failed: " + detail::error_string(err);
  fail(gs::EndCode::handshake_failed, std::move(detail));
}

void Client::receive(std::span<const std::uint8_t> datagram, TimePoint now) {
  if (state_ != State::handshaking && state_ != State::connected) return;
  if (datagram.empty()) return;
  io_.feed(datagram);
  if (state_ == State::handshaking) {
    if (auto hello = inspect_server_hello(datagram); hello.is_server_hello)
      (hello.extended_master_secret ? server_hello_ems_ : server_hello_without_ems_) = true;
    step(now, true);
  } else {
    read_records(is_single_record(datagram));
  }
  io_.clear_input();
}

void Client::read_records(bool single_record) {
  if (read_buffer_.empty()) read_buffer_.resize(kReadSize);
  while (state_ == State::connected) {
    int n = wolfSSL_read(ssl_.get(), read_buffer_.data(), static_cast<int>(kReadSize));
    if (n > 0) {
      handler_.on_data(std::span<const std::uint8_t>(read_buffer_.data(), static_cast<std::size_t>(n)));
      if (state_ == State::connected && single_record && detail::single_record_consumed(ssl_.get(), io_))
        break;
      continue;
    }
    int err = wolfSSL_get_error(ssl_.get(), n);
    if (wants_io(err)) break;
    if (err == WOLFSSL_ERROR_ZERO_RETURN) {
      fail(gs::EndCode::remote, "");
    } else {
      fail(gs::EndCode::dtls_error, detail::error_string(err));
    }
  }
}

void Client::set_state(State next) {
  // closed is final: a late close() or failure never reopens or re-reports it.
  if (state_ == State::closed) return;
  state_ = next;
}

void Client::fail(gs::EndCode code, std::string detail) {
  set_state(State::closed);
  handler_.on_closed(gs::End{code, std::move(detail)});
}

SendResult Client::send(std::span<const std::uint8_t> payload) {
  if (state_ != State::connected) return SendResult::not_connected;
  if (payload.size() > kMaxRecordPayload) return SendResult::too_large;
  if (payload.empty()) return SendResult::ok;
  int n = wolfSSL_write(ssl_.get(), payload.data(), static_cast<int>(payload.size()));
  return n == static_cast<int>(payload.size()) ? SendResult::ok : SendResult::failed;
}

void Client::close() {
  if (state_ == State::connected) wolfSSL_shutdown(ssl_.get());
  set_state(State::closed);
}

void Client::update(TimePoint now) {
  if (state_ != State::handshaking) return;
  if (now - started_ >= context_->config_.handshake_timeout) {
    fail(gs::EndCode::handshake_timeout, "no handshake reply from the server in time");
    return;
  }
  if (!timer_.due(now)) return;
  // Resends the last flight as it is, without wolfSSL's own (whole-second) back-off.
  if (wolfSSL_dtls_retransmit(ssl_.get()) == WOLFSSL_FATAL_ERROR) {
    fail(gs::EndCode::handshake_failed,
         "handshake retransmission failed: " + detail::error_string(wolfSSL_get_error(ssl_.get(), 0)));
    return;
  }
  ++retransmissions_;
  timer_.resent(now);
}

std::optional<TimePoint> Client::next_wakeup() const {
  if (state_ != State::handshaking) return std::nullopt;
  const TimePoint deadline = started_ + context_->config_.handshake_timeout;
  return timer_.armed() ? std::min(timer_.due_at(), deadline) : deadline;
}

bool Client::export_keying_material(std::string_view label, std::span<const std::uint8_t> context,
                                    std::span<std::uint8_t> out) {
  if (state_ != State::connected) return false;
  return wolfSSL_export_keying_material(ssl_.get(), out.data(), out.size(), label.data(), label.size(),
                                        context.data(), context.size(),
                                        context.empty() ? 0 : 1) == WOLFSSL_SUCCESS;
}

std::string Client::cipher_name() const {
  const char* c = wolfSSL_get_cipher(ssl_.get());
  return c != nullptr ? c : "";
}

std::vector<std::uint8_t> Client::peer_certificate_der() const {
  std::vector<std::uint8_t> out;
  if (state_ != State::connected) return out;
  WOLFSSL_X509* cert = wolfSSL_get_peer_certificate(ssl_.get());
  if (cert == nullptr) return out;
  int len = 0;
  if (const unsigned char* der = wolfSSL_X509_get_der(cert, &len); der != nullptr && len > 0)
    out.assign(der, der + len);
  wolfSSL_X509_free(cert);
  return out;
}

}  // namespace gs::dtls
