// DTLS 1.2 client over buffers: one object per connection to a server.
//
// Sans-socket and sans-clock like Server: the owner feeds received datagrams with the
// current time, calls update() at next_wakeup(), and sends what on_transmit hands out.
#pragma once

#include "dtls/io.hpp"
#include "dtls/knobs.hpp"
#include "dtls/retransmit.hpp"
#include "dtls/types.hpp"
#include "dtls/wolf.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gs::dtls {

// How a client decides to trust the server. Exactly one of the three trust sources is
// needed unless `insecure` is set.
//
// A trust file (ca_pem or ca_file) holds certificates of two kinds, told apart by what
// the server presents: a certificate that is itself in the file is trusted by identity
// (pinned: whoever holds its key is the server, whatever names it carries); any other
// must be issued by a CA in the file and carry the server's name, a dNSName or
// iPAddress subjectAltName equal to the name the Client was given (the host it dials,
// or a configured name). Without a name such a certificate is refused.
struct ClientConfig {
  std::string pinned_certificate_pem;  // trust exactly this server certificate
  std::string ca_pem;                  // trust file: certificates and CAs (PEM text)
  std::string ca_file;                 // ... or in this PEM file
  // Turns certificate checking off. Only for development; callers log a warning.
  bool insecure = false;
  // The name every server's certificate must carry (a DNS name or an IP address),
  // replacing the one each Client is given; empty: the Client's.
  std::string server_name;
  // Offer Extended Master Secret (RFC 7627) and refuse a server that does not use it.
  // Only tests turn it off, to check that servers refuse such clients.
  bool extended_master_secret = true;
  // Timers: what each is and its range in dtls/knobs.hpp.
  Duration handshake_timeout = knobs::handshake_timeout.def;
  Duration retransmit_initial = knobs::retransmit_initial.def;
  Duration retransmit_max = knobs::retransmit_max.def;
  std::string cipher_list;  // empty: kCipherList (tests override it)
};

// The immutable, shareable part of a client: the TLS context with its trust anchors.
// Build one and use it for any number of Client objects.
class ClientContext {
 public:
  // Throws std::runtime_error with the cause (unreadable CA file, bad PEM, no trust
  // source without `insecure`).
  explicit ClientContext(const ClientConfig& config);
  const ClientConfig& config() const { return config_; }
  bool insecure() const { return config_.insecure; }

 private:
  friend class Client;
  // Keeps the DER of every certificate of the trust file, to tell pinned from issued.
  void load_trust_file(const std::string& pem);
  bool in_trust_file(std::span<const std::uint8_t> der) const;

  ClientConfig config_;
  detail::CtxPtr ctx_;
  std::vector<std::uint8_t> pinned_der_;
  std::vector<std::vector<std::uint8_t>> trust_file_der_;
};

class ClientHandler {
 public:
  virtual ~ClientHandler() = default;
  // Must not call back into the Client.
  virtual void on_transmit(std::span<const std::uint8_t> datagram) = 0;
  virtual void on_connected() = 0;
  virtual void on_data(std::span<const std::uint8_t> payload) = 0;
  // The connection ended (not called for close()): `end.code` is remote
  // (close_notify), dtls_error, handshake_failed or handshake_timeout; `end.detail`
  // explains failures, e.g. "server certificate does not match the pinned certificate".
  virtual void on_closed(const gs::End& end) = 0;
};

class Client : private detail::Transmitter {
 public:
  // idle -> handshaking (start) -> connected (handshake done) -> closed (fail or
  // close); closed is final. Every change goes through set_state.
  enum class State : std::uint8_t { idle, handshaking, connected, closed };

  // `handler` must outlive the client. `server_name`: the DNS name or IP address a
  // CA-issued server certificate must carry (see ClientConfig), usually the host part
  // of the address dialed; ClientConfig::server_name replaces it when set.
  Client(std::shared_ptr<const ClientContext> context, ClientHandler& handler, std::string server_name = {});
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the first ClientHello.
  void start(TimePoint now);
  // One datagram from the server. Bad input is dropped, never thrown.
  void receive(std::span<const std::uint8_t> datagram, TimePoint now);
  SendResult send(std::span<const std::uint8_t> payload);
  // Sends close_notify and releases the TLS state (no on_closed callback).
  void close();
  void update(TimePoint now);
  // When update() must be called next; nullopt when no timer runs.
  std::optional<TimePoint> next_wakeup() const;

  State state() const { return state_; }
  bool connected() const { return state_ == State::connected; }
  // RFC 5705 exporter for channel binding; false unless connected.
  bool export_keying_material(std::string_view label, std::span<const std::uint8_t> context,
                              std::span<std::uint8_t> out);
  std::string cipher_name() const;
  // The server certificate (DER) once connected; empty otherwise.
  std::vector<std::uint8_t> peer_certificate_der() const;
  std::uint64_t retransmissions() const { return retransmissions_; }
  // The round trip measured during the handshake (a flight answered without a resend).
  std::optional<Duration> handshake_rtt() const { return timer_.rtt(); }

  // Certificate check installed on the ClientContext; finds the Client via the
  // certificate callback context of its wolfSSL object.
  static int verify_callback(int preverify, WOLFSSL_X509_STORE_CTX* store);

 private:
  void transmit(const net::Address& to, std::span<const std::uint8_t> datagram) override;
  // Drives wolfSSL_connect. `answering`: a datagram from the server was just fed, so a
  // flight sent now answers it.
  void step(TimePoint now, bool answering);
  // Delivers the application data wolfSSL has. `single_record`: the datagram just fed
  // is one record, so once its data is out nothing else can be waiting.
  void read_records(bool single_record = false);
  // The one place the state changes.
  void set_state(State next);
  void fail(gs::EndCode code, std::string detail);
  // Depth 0 of verify_callback: the leaf's name, unless the trust file holds the leaf.
  int verify_leaf(int preverify, WOLFSSL_X509_STORE_CTX* store);
  // Why the established session is not acceptable (no Extended Master Secret, the
  // certificate never checked); empty when it is.
  std::string refusal_after_handshake() const;

  std::shared_ptr<const ClientContext> context_;
  ClientHandler& handler_;
  detail::SslPtr ssl_;
  detail::Io io_;
  State state_ = State::idle;
  TimePoint started_{};
  RetransmitTimer timer_;
  std::string server_name_;
  std::string verify_error_;
  bool leaf_checked_ = false;              // verify_leaf accepted the server certificate
  bool server_hello_ems_ = false;          // a ServerHello accepted Extended Master Secret
  bool server_hello_without_ems_ = false;  // ... and none declined it
  std::vector<std::uint8_t> read_buffer_;
  std::uint64_t retransmissions_ = 0;
};

}  // namespace gs::dtls
