// DTLS 1.2 server over buffers: one object serves every peer of one UDP socket.
//
// Sans-socket and sans-clock: the owner passes each received datagram with its sender
// and the current time, calls update() at next_wakeup(), and puts the datagrams handed
// to ServerHandler::on_transmit on the wire.
//
// Admission: datagrams from unknown addresses must look like a ClientHello; those go to
// one shared listening object, which answers with a stateless HelloVerifyRequest whose
// cookie is an HMAC over the sender's address and the hello (the secret rotates every
// `cookie_rotation`, the previous one stays valid for one more period). Only a
// ClientHello with a valid cookie promotes the listening object to a per-peer session;
// nothing is allocated per peer before that. Caps on sessions still handshaking (in all
// and per source host, net/source.hpp) and on all sessions refuse promotion beyond
// them; refusals are counted. The cookie proves the source address, so one host cannot
// spend another's per-source slots by spoofing it. A ClientHello that does not offer
// Extended Master Secret is dropped before wolfSSL sees it: the link proof and token
// binding use the exporter, which without EMS a man in the middle holding two sessions
// with the same master secret could share (RFC 7627).
#pragma once

#include "dtls/io.hpp"
#include "dtls/knobs.hpp"
#include "dtls/records.hpp"
#include "dtls/retransmit.hpp"
#include "dtls/types.hpp"
#include "dtls/wolf.hpp"
#include "net/address.hpp"
#include "net/source.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gs::dtls {

using PeerId = std::uint64_t;  // never 0

struct ServerConfig {
  std::string certificate_pem;  // leaf first, then any intermediates
  std::string private_key_pem;  // PKCS#8 or SEC1 PEM
  // Limits and timers: what each is and its range in dtls/knobs.hpp.
  std::size_t max_peers = knobs::max_peers.def;
  std::size_t max_half_open = knobs::max_half_open.def;
  std::size_t max_half_open_per_source = knobs::max_half_open_per_source.def;
  Duration handshake_timeout = knobs::handshake_timeout.def;
  Duration cookie_rotation = knobs::cookie_rotation.def;
  Duration retransmit_initial = knobs::retransmit_initial.def;
  Duration retransmit_max = knobs::retransmit_max.def;
  std::size_t max_resends_per_second = knobs::handshake_resends_per_second;  // not a knob
  std::string cipher_list;                                                   // empty: kCipherList
};

struct ServerStats {
  std::uint64_t datagrams_in = 0;
  std::uint64_t dropped_unknown = 0;    // from unknown addresses, not a ClientHello
  std::uint64_t dropped_malformed = 0;  // empty or oversized datagrams
  std::uint64_t hello_verify_sent = 0;  // stateless cookie challenges
  std::uint64_t cookies_accepted = 0;   // promotions to a session
  std::uint64_t refused_peer_cap = 0;
  std::uint64_t refused_half_open_cap = 0;
  std::uint64_t refused_no_ems = 0;                // ClientHellos without Extended Master Secret
  std::uint64_t refused_source_half_open_cap = 0;  // max_half_open_per_source reached
  std::uint64_t listener_resets = 0;               // listening object rebuilt after a bad hello
  std::uint64_t handshakes_completed = 0;
  std::uint64_t handshakes_failed = 0;
  std::uint64_t handshake_timeouts = 0;
  std::uint64_t retransmissions = 0;       // handshake flights resent on timeout
  std::uint64_t final_flights_resent = 0;  // last flight resent to a client that missed it
  std::uint64_t resends_deferred = 0;      // resends held back by max_resends_per_second
  std::uint64_t sessions_replaced = 0;
  std::uint64_t stale_hellos = 0;  // late copies of an established session's own hello, dropped
  std::uint64_t closed_local = 0;
  std::uint64_t closed_remote = 0;
  std::uint64_t closed_error = 0;
  std::uint64_t records_in = 0;  // application records delivered
  std::uint64_t records_out = 0;
  std::uint64_t cookie_rotations = 0;
};

// Receives the server's output. Called synchronously from Server's member functions.
// on_transmit must not call back into the Server; the others may (send, close).
class ServerHandler {
 public:
  virtual ~ServerHandler() = default;
  virtual void on_transmit(const net::Address& to, std::span<const std::uint8_t> datagram) = 0;
  // A handshake completed; `peer` is usable with send() from now on.
  virtual void on_accepted(PeerId peer, const net::Address& from) = 0;
  // One decrypted record.
  virtual void on_data(PeerId peer, std::span<const std::uint8_t> payload) = 0;
  // An accepted peer is gone (not called for close() by the owner): `end.code` is
  // remote (close_notify), dtls_error or replaced; `end.detail` is a human-readable
  // cause, empty when there is nothing to add.
  virtual void on_closed(PeerId peer, const gs::End& end) = 0;
  // A handshake that never reached on_accepted failed or timed out (handshake_failed,
  // handshake_timeout, replaced). Optional.
  virtual void on_handshake_failed(const net::Address& from, const gs::End& end) { (void)from, (void)end; }
};

class Server : private detail::Transmitter {
 public:
  // Loads the certificate and key; throws std::runtime_error with the cause on bad
  // configuration. `handler` must outlive the server.
  Server(const ServerConfig& config, ServerHandler& handler, TimePoint now);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Key rotation: handshakes that begin from now on present this certificate; sessions
  // already established or handshaking keep the context they began with (wolfSSL
  // counts references to it). Throws std::runtime_error and keeps the current
  // certificate when the new one does not load or the key does not match. The key
  // text is wiped.
  void replace_certificate(const std::string& certificate_pem, std::string private_key_pem);

  // One datagram from `from`. Bad input is dropped and counted, never thrown.
  void receive(const net::Address& from, std::span<const std::uint8_t> datagram, TimePoint now);

  // Encrypts `payload` as one record to `peer`.
  SendResult send(PeerId peer, std::span<const std::uint8_t> payload);

  // Sends close_notify and frees the peer's state at once (no on_closed callback).
  void close(PeerId peer);
  // close() for every peer, e.g. at shutdown.
  void close_all();

  // Runs timers due at `now`: handshake retransmissions and timeouts, cookie rotation.
  void update(TimePoint now);
  // When update() must be called next.
  TimePoint next_wakeup() const;

  // RFC 5705 exporter for channel binding; false if the peer is unknown or not
  // established.
  bool export_keying_material(PeerId peer, std::string_view label, std::span<const std::uint8_t> context,
                              std::span<std::uint8_t> out);

  std::optional<net::Address> peer_address(PeerId peer) const;
  std::string cipher_name(PeerId peer) const;
  std::size_t peer_count() const { return by_id_.size(); }
  std::size_t established_count() const { return by_id_.size() - handshaking_.size(); }
  std::size_t half_open_count() const { return handshaking_.size(); }
  // Handshakes under way from the host `address` belongs to.
  std::size_t half_open_count(const net::Address& address) const;
  const ServerStats& stats() const { return stats_; }

 private:
  struct Session;
  struct Listener {
    detail::SslPtr ssl;
    detail::Io io;
    std::array<std::uint8_t, 32> secret{};
  };

  void transmit(const net::Address& to, std::span<const std::uint8_t> datagram) override;
  static int on_client_hello_good(WOLFSSL* ssl, void* ctx);

  static detail::CtxPtr make_context(const ServerConfig& config, const std::string& certificate_pem,
                                     const std::string& private_key_pem);
  void make_listener(Listener& l);
  void set_secret(Listener& l, const std::array<std::uint8_t, 32>& secret);
  void rotate_secret();
  // False (and counted) for a hello that must not start a handshake.
  bool admissible(const HelloInfo& hello);
  void to_listener(const net::Address& from, std::span<const std::uint8_t> datagram, TimePoint now,
                   bool has_cookie);
  bool try_listener(Listener& l, const net::Address& from, std::span<const std::uint8_t> datagram,
                    TimePoint now, bool count_hello_verify);
  void promote(Listener& l, const net::Address& from, TimePoint now, int accept_ret,
               const std::array<std::uint8_t, 32>& client_random);
  void feed_session(Session& s, std::span<const std::uint8_t> datagram, TimePoint now);
  void continue_handshake(Session& s, TimePoint now);
  // Delivers the application data wolfSSL has for `s`. `single_record`: the datagram
  // just fed is one record, so once its data is out nothing else can be waiting.
  void read_records(Session& s, bool single_record = false);
  // Resends the last flight (ChangeCipherSpec, Finished) when an established session
  // receives the client's final flight again: ours was lost.
  void repair_final_flight(Session& s, std::span<const std::uint8_t> datagram, TimePoint now);
  // Resends the flight of a handshaking session whose client resent its ClientHello.
  void answer_resent_hello(Session& s, TimePoint now);
  // on_client_hello_good's admission, `from` being the hello's sender.
  bool refuse_hello(const net::Address& from);
  void enter_half_open(Session& s);
  void leave_half_open(Session& s);
  void finish(Session& s, gs::EndCode code, std::string_view detail, bool notify);
  void reap();

  ServerHandler& handler_;
  ServerConfig config_;
  detail::CtxPtr ctx_;
  Listener current_;
  Listener previous_;
  bool previous_valid_ = false;
  TimePoint next_rotation_;
  std::unordered_map<net::Address, std::unique_ptr<Session>, net::AddressHash> by_addr_;
  std::unordered_map<PeerId, Session*> by_id_;
  std::vector<Session*> handshaking_;
  std::unordered_map<net::Source, std::size_t, net::SourceHash> half_open_by_source_;
  const net::Address* hello_from_ = nullptr;  // the sender of the hello being accepted
  std::vector<std::unique_ptr<Session>> graveyard_;
  std::vector<std::vector<std::uint8_t>> captured_;
  std::vector<std::uint8_t> read_buffer_;
  PeerId next_id_ = 1;
  int depth_ = 0;
  bool promote_flag_ = false;
  bool refuse_flag_ = false;
  ServerStats stats_;
  ResendBudget resend_budget_;
};

}  // namespace gs::dtls
