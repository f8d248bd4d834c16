#include "dtls/server.hpp"

#include "dtls/records.hpp"
#include "dtls/retransmit.hpp"

#include <wolfssl/error-ssl.h>

#include <sys/random.h>

#include <algorithm>
#include <stdexcept>

namespace gs::dtls {

struct Server::Session {
  PeerId id = 0;
  net::Address addr;
  detail::SslPtr ssl;
  detail::Io io;
  TimePoint started;
  std::array<std::uint8_t, 32> client_random{};  // of the ClientHello that began it
  RetransmitTimer timer{Duration{}, Duration{}};
  // The datagrams of the last flight, kept until the client's first application record
  // shows it arrived.
  std::vector<std::vector<std::uint8_t>> final_flight;
  bool established = false;
  bool closed = false;
};

namespace {

// Keeps callbacks from freeing sessions that are still on the stack: freed sessions are
// parked and reaped when the outermost public call returns.
struct DepthGuard {
  int& depth;
  explicit DepthGuard(int& d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
};

std::array<std::uint8_t, 32> random_secret() {
  std::array<std::uint8_t, 32> s{};
  std::size_t got = 0;
  while (got < s.size()) {
    ssize_t n = ::getrandom(s.data() + got, s.size() - got, 0);
    if (n <= 0) throw std::runtime_error("getrandom failed for the DTLS cookie secret");
    got += static_cast<std::size_t>(n);
  }
  return s;
}

bool wants_io(int err) { return err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE; }

}  // namespace

detail::CtxPtr Server::make_context(const ServerConfig& config, const std::string& cert,
                                    const std::string& key) {
  detail::ensure_library();
  detail::CtxPtr ctx(wolfSSL_CTX_new(wolfDTLSv1_2_server_method()));
  if (!ctx) throw std::runtime_error("cannot create the DTLS server context");
  detail::configure_common(ctx.get());
  if (!config.cipher_list.empty() &&
      wolfSSL_CTX_set_cipher_list(ctx.get(), config.cipher_list.c_str()) != WOLFSSL_SUCCESS)
    throw std::runtime_error("invalid DTLS cipher list: " + config.cipher_list);
  if (wolfSSL_CTX_use_certificate_chain_buffer(ctx.get(), reinterpret_cast<const unsigned char*>(cert.data()),
                                               static_cast<long>(cert.size())) != WOLFSSL_SUCCESS)
    throw std::runtime_error("cannot load the DTLS server certificate (PEM expected)");
  if (wolfSSL_CTX_use_PrivateKey_buffer(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()),
                                        static_cast<long>(key.size()),
                                        WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
    throw std::runtime_error("cannot load the DTLS server private key (PEM expected)");
  if (wolfSSL_CTX_check_private_key(ctx.get()) != WOLFSSL_SUCCESS)
    throw std::runtime_error("the DTLS private key does not match the certificate");
  wolfSSL_CTX_set_verify(ctx.get(), WOLFSSL_VERIFY_NONE, nullptr);
  return ctx;
}

Server::Server(const ServerConfig& config, ServerHandler& handler, TimePoint now)
    : handler_(handler), config_(config), resend_budget_(config.max_resends_per_second) {
  ctx_ = make_context(config_, config_.certificate_pem, config_.private_key_pem);
  detail::wipe(config_.private_key_pem.data(), config_.private_key_pem.size());
  config_.private_key_pem.clear();

  current_.secret = random_secret();
  make_listener(current_);
  next_rotation_ = now + config_.cookie_rotation;
  read_buffer_.resize(16 * 1024 + 256);
}

Server::~Server() {
  for (auto& l : {&current_, &previous_}) detail::wipe(l->secret.data(), l->secret.size());
}

void Server::replace_certificate(const std::string& certificate_pem, std::string private_key_pem) {
  detail::CtxPtr ctx;
  try {
    ctx = make_context(config_, certificate_pem, private_key_pem);
  } catch (...) {
    detail::wipe(private_key_pem.data(), private_key_pem.size());
    throw;
  }
  detail::wipe(private_key_pem.data(), private_key_pem.size());
  // Sessions hold their own reference to the old context; only the listening objects
  // (stateless until a cookie returns) are rebuilt, with their cookie secrets kept.
  ctx_ = std::move(ctx);
  make_listener(current_);
  if (previous_.ssl) make_listener(previous_);
  config_.certificate_pem = certificate_pem;
}

void Server::make_listener(Listener& l) {
  l.ssl.reset(wolfSSL_new(ctx_.get()));
  if (!l.ssl) throw std::runtime_error("cannot create the DTLS listening object");
  WOLFSSL* ssl = l.ssl.get();
  wolfSSL_dtls_set_using_nonblock(ssl, 1);
  wolfDTLS_SetChGoodCb(ssl, &Server::on_client_hello_good, this);
  l.io = detail::Io{};
  l.io.out = this;
  wolfSSL_SetIOReadCtx(ssl, &l.io);
  wolfSSL_SetIOWriteCtx(ssl, &l.io);
  set_secret(l, l.secret);
}

void Server::set_secret(Listener& l, const std::array<std::uint8_t, 32>& secret) {
  l.secret = secret;
  if (l.ssl) {
    wolfSSL_DTLS_SetCookieSecret(l.ssl.get(), l.secret.data(), static_cast<unsigned>(l.secret.size()));
  }
}

void Server::rotate_secret() {
  if (!previous_.ssl) make_listener(previous_);
  set_secret(previous_, current_.secret);
  previous_valid_ = true;
  set_secret(current_, random_secret());
  ++stats_.cookie_rotations;
}

void Server::transmit(const net::Address& to, std::span<const std::uint8_t> datagram) {
  handler_.on_transmit(to, datagram);
}

int Server::on_client_hello_good(WOLFSSL*, void* ctx) {
  auto* self = static_cast<Server*>(ctx);
  if (self->hello_from_ == nullptr || self->refuse_hello(*self->hello_from_)) {
    self->refuse_flag_ = true;
    return -1;
  }
  self->promote_flag_ = true;
  return 0;
}

bool Server::refuse_hello(const net::Address& from) {
  if (by_id_.size() >= config_.max_peers) {
    ++stats_.refused_peer_cap;
    return true;
  }
  if (handshaking_.size() >= config_.max_half_open) {
    ++stats_.refused_half_open_cap;
    return true;
  }
  std::size_t held = half_open_count(from);
  // A handshake restarted from the same address replaces its half-open session.
  if (auto it = by_addr_.find(from); it != by_addr_.end() && !it->second->established) --held;
  if (held >= config_.max_half_open_per_source) {
    ++stats_.refused_source_half_open_cap;
    return true;
  }
  return false;
}

std::size_t Server::half_open_count(const net::Address& address) const {
  auto it = half_open_by_source_.find(net::source_of(address));
  return it == half_open_by_source_.end() ? 0 : it->second;
}

void Server::enter_half_open(Session& s) {
  handshaking_.push_back(&s);
  ++half_open_by_source_[net::source_of(s.addr)];
}

void Server::leave_half_open(Session& s) {
  std::erase(handshaking_, &s);
  auto it = half_open_by_source_.find(net::source_of(s.addr));
  if (it != half_open_by_source_.end() && --it->second == 0) half_open_by_source_.erase(it);
}

void Server::receive(const net::Address& from, std::span<const std::uint8_t> datagram, TimePoint now) {
  DepthGuard guard(depth_);
  ++stats_.datagrams_in;
  if (datagram.empty() || datagram.size() > read_buffer_.size()) {
    ++stats_.dropped_malformed;
  } else if (auto it = by_addr_.find(from); it != by_addr_.end()) {
    Session& s = *it->second;
    HelloInfo hello = inspect_client_hello(datagram);
    if (hello.is_client_hello && hello.random == s.client_random) {
      // A resent copy of the hello that began this session: while handshaking, our
      // flight was lost (wolfSSL 5.5.4 does not answer it); once established, a late
      // copy that crossed our flight, not a restart (replacing the session would cut
      // off a client that has just connected).
      if (s.established) {
        ++stats_.stale_hellos;
      } else {
        answer_resent_hello(s, now);
      }
    } else if (hello.is_client_hello && s.established) {
      // A new handshake from a known address: the peer restarted. The cookie exchange
      // proves the address before the old session is replaced.
      if (admissible(hello)) to_listener(from, datagram, now, hello.has_cookie);
    } else {
      feed_session(s, datagram, now);
    }
  } else {
    HelloInfo hello = inspect_client_hello(datagram);
    if (!hello.is_client_hello) {
      ++stats_.dropped_unknown;
    } else if (admissible(hello)) {
      to_listener(from, datagram, now, hello.has_cookie);
    }
  }
  if (depth_ == 1) reap();
}

bool Server::admissible(const HelloInfo& hello) {
  if (!hello.extended_master_secret) {
    ++stats_.refused_no_ems;
    return false;
  }
  return true;
}

void Server::to_listener(const net::Address& from, std::span<const std::uint8_t> datagram, TimePoint now,
                         bool has_cookie) {
  if (has_cookie && previous_valid_ && previous_.ssl) {
    // A cookie issued before the last rotation is still good; the reply of this
    // tentative pass is only sent if the cookie was accepted.
    captured_.clear();
    previous_.io.capture = &captured_;
    bool promoted = try_listener(previous_, from, datagram, now, false);
    previous_.io.capture = nullptr;
    if (promoted) {
      for (const auto& d : captured_) transmit(from, d);
      captured_.clear();
      return;
    }
    captured_.clear();
  }
  try_listener(current_, from, datagram, now, true);
}

bool Server::try_listener(Listener& l, const net::Address& from, std::span<const std::uint8_t> datagram,
                          TimePoint now, bool count_hello_verify) {
  WOLFSSL* ssl = l.ssl.get();
  l.io.peer = from;
  l.io.feed(datagram);
  // Binds the cookie to the sender: the HMAC covers the address set here.
  wolfSSL_dtls_set_peer(ssl, const_cast<sockaddr*>(from.data()), static_cast<unsigned>(from.size()));
  promote_flag_ = false;
  refuse_flag_ = false;
  const auto sent_before = l.io.datagrams_out;
  hello_from_ = &from;
  int ret = wolfSSL_accept(ssl);
  hello_from_ = nullptr;
  l.io.clear_input();
  if (promote_flag_) {
    promote_flag_ = false;
    promote(l, from, now, ret, inspect_client_hello(datagram).random);
    return true;
  }
  int err = wolfSSL_get_error(ssl, ret);
  if (ret != WOLFSSL_SUCCESS && !wants_io(err)) {
    // A hello the library rejected (or one we refused): start from a clean object.
    ++stats_.listener_resets;
    make_listener(l);
  } else {
    if (count_hello_verify && l.io.datagrams_out > sent_before) ++stats_.hello_verify_sent;
    // wolfSSL moves the listening object's epoch-0 replay window forward with every
    // record it reads, so one hello with a large sequence number would make the first
    // hello of every later client (sequence 0) look like a replay. Anything but a lone
    // sequence-0 record gives the next sender a fresh object (admission stays stateless).
    if (!is_lone_first_record(datagram)) make_listener(l);
  }
  return false;
}

void Server::promote(Listener& l, const net::Address& from, TimePoint now, int accept_ret,
                     const std::array<std::uint8_t, 32>& client_random) {
  auto s = std::make_unique<Session>();
  s->client_random = client_random;
  s->timer = RetransmitTimer(config_.retransmit_initial, config_.retransmit_max);
  s->id = next_id_++;
  s->addr = from;
  s->ssl = std::move(l.ssl);
  s->io = l.io;
  s->io.capture = nullptr;
  s->io.owner = s.get();
  s->started = now;
  WOLFSSL* ssl = s->ssl.get();
  wolfSSL_SetIOReadCtx(ssl, &s->io);
  wolfSSL_SetIOWriteCtx(ssl, &s->io);
  make_listener(l);
  ++stats_.cookies_accepted;

  if (auto it = by_addr_.find(from); it != by_addr_.end()) {
    ++stats_.sessions_replaced;
    finish(*it->second, gs::EndCode::replaced, "a new handshake from the same address", true);
  }
  Session& ref = *s;
  by_id_.emplace(ref.id, &ref);
  enter_half_open(ref);
  by_addr_.emplace(from, std::move(s));

  int err = wolfSSL_get_error(ssl, accept_ret);
  if (accept_ret == WOLFSSL_SUCCESS) {
    continue_handshake(ref, now);
  } else if (wants_io(err)) {
    ref.timer.flight_sent(now, false);
  } else {
    ++stats_.handshakes_failed;
    finish(ref, gs::EndCode::handshake_failed, detail::error_string(err), true);
  }
}

void Server::feed_session(Session& s, std::span<const std::uint8_t> datagram, TimePoint now) {
  s.io.feed(datagram);
  if (!s.established) {
    continue_handshake(s, now);
  } else {
    if (!s.final_flight.empty()) repair_final_flight(s, datagram, now);
    read_records(s, is_single_record(datagram));
  }
  s.io.clear_input();
}

void Server::answer_resent_hello(Session& s, TimePoint now) {
  if (!s.timer.may_answer(now)) return;
  if (!resend_budget_.take(now)) {
    ++stats_.resends_deferred;  // the client resends again, or our timer does
    return;
  }
  if (wolfSSL_dtls_retransmit(s.ssl.get()) == WOLFSSL_FATAL_ERROR) return;  // the timer will fail it
  ++stats_.retransmissions;
  s.timer.resent(now);
}

void Server::repair_final_flight(Session& s, std::span<const std::uint8_t> datagram, TimePoint now) {
  // The client's final flight begins with its ClientKeyExchange, in epoch 0: after the
  // handshake only a client that never got our Finished sends that again. wolfSSL
  // 5.5.4 does not answer it (its flight is only resent before the handshake is done).
  if (!is_client_key_exchange(datagram)) return;
  if (!resend_budget_.take(now)) {
    ++stats_.resends_deferred;  // the client resends its flight again
    return;
  }
  ++stats_.final_flights_resent;
  for (const auto& d : s.final_flight) transmit(s.addr, d);
}

void Server::continue_handshake(Session& s, TimePoint now) {
  WOLFSSL* ssl = s.ssl.get();
  const auto flight_before = s.io.flight_seq;
  std::vector<std::vector<std::uint8_t>> sent;
  s.io.keep = &sent;
  int ret = wolfSSL_accept(ssl);
  s.io.keep = nullptr;
  if (ret == WOLFSSL_SUCCESS) {
    leave_half_open(s);
    s.timer.stop();
    s.final_flight = std::move(sent);
    s.established = true;
    ++stats_.handshakes_completed;
    handler_.on_accepted(s.id, s.addr);
    if (!s.closed) read_records(s);
    return;
  }
  int err = wolfSSL_get_error(ssl, ret);
  if (wants_io(err)) {
    if (s.io.flight_seq > flight_before) s.timer.flight_sent(now, true);
    return;
  }
  ++stats_.handshakes_failed;
  finish(s, gs::EndCode::handshake_failed, detail::error_string(err), true);
}

void Server::read_records(Session& s, bool single_record) {
  WOLFSSL* ssl = s.ssl.get();
  while (!s.closed) {
    int n = wolfSSL_read(ssl, read_buffer_.data(), static_cast<int>(kReadSize));
    if (n > 0) {
      ++stats_.records_in;
      if (!s.final_flight.empty()) s.final_flight = {};  // the client has our Finished
      handler_.on_data(s.id, std::span<const std::uint8_t>(read_buffer_.data(), static_cast<std::size_t>(n)));
      if (!s.closed && single_record && detail::single_record_consumed(ssl, s.io)) break;
      continue;
    }
    int err = wolfSSL_get_error(ssl, n);
    if (wants_io(err)) break;
    if (err == WOLFSSL_ERROR_ZERO_RETURN) {
      ++stats_.closed_remote;
      finish(s, gs::EndCode::remote, "", true);
    } else {
      ++stats_.closed_error;
      finish(s, gs::EndCode::dtls_error, detail::error_string(err), true);
    }
    break;
  }
}

SendResult Server::send(PeerId peer, std::span<const std::uint8_t> payload) {
  auto it = by_id_.find(peer);
  if (it == by_id_.end() || !it->second->established || it->second->closed) return SendResult::not_connected;
  if (payload.size() > kMaxRecordPayload) return SendResult::too_large;
  if (payload.empty()) return SendResult::ok;
  int n = wolfSSL_write(it->second->ssl.get(), payload.data(), static_cast<int>(payload.size()));
  if (n != static_cast<int>(payload.size())) return SendResult::failed;
  ++stats_.records_out;
  return SendResult::ok;
}

void Server::close(PeerId peer) {
  DepthGuard guard(depth_);
  auto it = by_id_.find(peer);
  if (it != by_id_.end()) {
    Session& s = *it->second;
    if (s.established) wolfSSL_shutdown(s.ssl.get());
    ++stats_.closed_local;
    finish(s, gs::EndCode::local, "", false);
  }
  if (depth_ == 1) reap();
}

void Server::close_all() {
  DepthGuard guard(depth_);
  std::vector<PeerId> ids;
  ids.reserve(by_id_.size());
  for (const auto& [id, s] : by_id_) ids.push_back(id);
  for (PeerId id : ids) close(id);
  if (depth_ == 1) reap();
}

void Server::finish(Session& s, gs::EndCode code, std::string_view detail, bool notify) {
  if (s.closed) return;
  s.closed = true;
  const bool was_established = s.established;
  if (!was_established) leave_half_open(s);
  by_id_.erase(s.id);
  const PeerId id = s.id;
  const net::Address addr = s.addr;
  if (auto it = by_addr_.find(addr); it != by_addr_.end() && it->second.get() == &s) {
    graveyard_.push_back(std::move(it->second));
    by_addr_.erase(it);
  }
  if (!notify) return;
  const gs::End end{code, std::string(detail)};
  if (was_established) {
    handler_.on_closed(id, end);
  } else {
    handler_.on_handshake_failed(addr, end);
  }
}

void Server::reap() { graveyard_.clear(); }

void Server::update(TimePoint now) {
  DepthGuard guard(depth_);
  if (now >= next_rotation_) {
    rotate_secret();
    next_rotation_ = now + config_.cookie_rotation;
  }
  std::vector<Session*> due;
  for (Session* s : handshaking_) {
    if (s->timer.due(now) || now - s->started >= config_.handshake_timeout) due.push_back(s);
  }
  for (Session* s : due) {
    if (s->closed) continue;
    if (now - s->started >= config_.handshake_timeout) {
      ++stats_.handshake_timeouts;
      finish(*s, gs::EndCode::handshake_timeout, "no complete handshake in time", true);
      continue;
    }
    if (!resend_budget_.take(now)) {
      ++stats_.resends_deferred;  // stays due: next_wakeup() is the budget's renewal
      continue;
    }
    // Resends the last flight as it is, without wolfSSL's own (whole-second) back-off.
    if (wolfSSL_dtls_retransmit(s->ssl.get()) == WOLFSSL_FATAL_ERROR) {
      ++stats_.handshakes_failed;
      finish(*s, gs::EndCode::handshake_failed, "handshake retransmission failed", true);
      continue;
    }
    ++stats_.retransmissions;
    s->timer.resent(now);
  }
  if (depth_ == 1) reap();
}

TimePoint Server::next_wakeup() const {
  TimePoint t = next_rotation_;
  for (const Session* s : handshaking_) {
    t = std::min(t, s->started + config_.handshake_timeout);
    if (!s->timer.armed()) continue;
    // A resend held back by the budget waits for its renewal, not for a past due time.
    const TimePoint due = s->timer.due_at();
    t = std::min(t, resend_budget_.available(due) ? due : std::max(due, resend_budget_.window_end()));
  }
  return t;
}

bool Server::export_keying_material(PeerId peer, std::string_view label,
                                    std::span<const std::uint8_t> context, std::span<std::uint8_t> out) {
  auto it = by_id_.find(peer);
  if (it == by_id_.end() || !it->second->established) return false;
  return wolfSSL_export_keying_material(it->second->ssl.get(), out.data(), out.size(), label.data(),
                                        label.size(), context.data(), context.size(),
                                        context.empty() ? 0 : 1) == WOLFSSL_SUCCESS;
}

std::optional<net::Address> Server::peer_address(PeerId peer) const {
  auto it = by_id_.find(peer);
  if (it == by_id_.end()) return std::nullopt;
  return it->second->addr;
}

std::string Server::cipher_name(PeerId peer) const {
  auto it = by_id_.find(peer);
  if (it == by_id_.end()) return {};
  const char* c = wolfSSL_get_cipher(it->second->ssl.get());
  return c != nullptr ? c : "";
}

}  // namespace gs::dtls
