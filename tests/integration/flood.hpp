#pragma once
// Unauthenticated traffic against a server's UDP ports, for the flood and state
// exhaustion tests and the `gameserver_flood` tool. Plain non-blocking sockets on
// loopback; every function is bounded by its counts and timeouts and returns by itself.
//
// - spray(): real ClientHellos (made by a wolfSSL client writing into a buffer, so
//   without a cookie), mutated hellos and random datagrams, from many source ports,
//   counting per source port every byte sent and every byte answered.
// - HeldHandshakes: handshakes from many source ports that are left half open (the
//   cookie'd ClientHello is sent, then silence) or completed and then left silent (DTLS
//   established, no session authentication ever sent). The sockets stay open, so every
//   connection keeps its own address, until the object is destroyed.
// - refused_pinger(): one client that completes DTLS, sends a gateway a hello it must
//   refuse, then keeps sending channel PINGs and never ACKs anything.
//
// Every socket binds to a loopback source address (127.0.0.1 unless told otherwise):
// another one such as 127.0.0.2 stands for a second host.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <netinet/in.h>

namespace gs::test::flood {

// "127.0.0.1:7000" as a socket address; throws std::invalid_argument.
sockaddr_in parse_target(const std::string& host_port);
// "127.0.0.2" as an address in network byte order; throws std::invalid_argument.
in_addr parse_source(const std::string& host);
in_addr loopback();

// A ClientHello without a cookie, as a real DTLS 1.2 client sends it first.
std::vector<std::uint8_t> client_hello();

struct SprayOptions {
  std::vector<sockaddr_in> targets;        // datagrams go round-robin to each
  std::size_t hellos = 0;                  // unmodified ClientHellos
  std::size_t mutants = 0;                 // hellos truncated or with bytes flipped
  std::size_t randoms = 0;                 // random bytes, 1..1400 long
  std::size_t sockets = 500;               // source ports
  double rate = 0;                         // datagrams per second, 0: as fast as possible
  std::chrono::milliseconds linger{1000};  // time for late answers after the last send
  std::uint64_t seed = 1;
  in_addr source = loopback();
};

struct SprayResult {
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t bytes_received = 0;
  std::size_t hello_bytes = 0;        // size of the unmodified ClientHello
  std::size_t smallest_sent = 0;      // smallest datagram that got an answer on its port
  std::size_t largest_reply = 0;      // largest single datagram received
  std::size_t sources = 0;            // source ports used
  std::size_t sources_answered = 0;   // ports that received anything
  std::size_t sources_amplified = 0;  // ports that received more bytes than they sent
  double worst_ratio = 0;             // max over ports of bytes received / bytes sent
  double seconds = 0;
  std::string json() const;
};

SprayResult spray(const SprayOptions& options);

struct HoldResult {
  std::size_t attempted = 0;
  std::size_t cookies = 0;      // HelloVerifyRequests received
  std::size_t established = 0;  // DTLS handshakes completed (complete mode)
  double seconds = 0;
};

class HeldHandshakes {
 public:
  // `complete`: finish the DTLS handshake, then stay silent; otherwise stop after
  // sending the ClientHello with the cookie. `step_timeout` bounds each wait.
  HeldHandshakes(const sockaddr_in& target, std::size_t count, bool complete,
                 std::chrono::milliseconds step_timeout = std::chrono::milliseconds(3000),
                 in_addr source = loopback());
  ~HeldHandshakes();
  HeldHandshakes(const HeldHandshakes&) = delete;
  HeldHandshakes& operator=(const HeldHandshakes&) = delete;

  const HoldResult& result() const { return result_; }
  // Bytes the server sent to the held sockets since they opened (drains them).
  std::uint64_t drain();

 private:
  std::vector<int> fds_;
  HoldResult result_;
};

struct PingerResult {
  bool established = false;    // the DTLS handshake completed
  bool refused = false;        // the server's AuthRefused arrived
  bool closed = false;         // the server ended the DTLS session (close_notify)
  double closed_after_s = -1;  // seconds from the refusal to the close; -1: never
  std::uint64_t pings = 0;     // PING-only packets sent
  std::uint64_t records_received = 0;
  std::string json() const;
};

// Completes the handshake from `source`, sends AuthData that is no ClientHello (the
// gateway answers AuthRefused "bad_hello" and closes after flushing it), then sends a
// PING every `interval` for `duration`, whatever the server does, never acknowledging.
PingerResult refused_pinger(const sockaddr_in& target, std::chrono::milliseconds duration,
                            std::chrono::milliseconds interval = std::chrono::milliseconds(50),
                            in_addr source = loopback());

// Raises the soft limit on open files to the hard limit (thousands of sockets).
void raise_file_limit();

}  // namespace gs::test::flood
