// A UDP socket on an asio event loop: batched receive (recvmmsg) and batched,
// never-blocking send (sendmmsg), IPv4 and IPv6.
#pragma once

#include "common/impairment.hpp"
#include "net/address.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace gs::net {

struct UdpOptions {
  // Datagrams read per recvmmsg call.
  std::size_t receive_batch = 64;
  // Receive calls per wake-up before yielding to other handlers on the loop.
  std::size_t receive_rounds = 8;
  // Largest datagram accepted, in bytes; longer ones are dropped and counted.
  std::size_t max_datagram = 2048;
  // Datagrams waiting to be sent; send() beyond this drops and counts.
  std::size_t send_queue_limit = 16384;
  // SO_RCVBUF / SO_SNDBUF in bytes; 0 keeps the system default.
  int socket_buffer_bytes = 4 * 1024 * 1024;
  // For an IPv6 wildcard bind: also accept IPv4 (dual stack).
  bool dual_stack = true;
  // Impairs outgoing datagrams, for tests and `gameserver bench`: each one is lost,
  // duplicated, delayed or reordered as these settings say (common/impairment.hpp);
  // delayed ones are held and sent from a timer on the endpoint's loop. Off unless
  // impairment.active(); off, send() costs one branch more. Every impaired endpoint of
  // the process draws from its own generator, seeded from impairment_seed and the
  // order in which the endpoints were made.
  impair::Settings impairment{};
  std::uint64_t impairment_seed = 1;
};

struct UdpStats {
  std::uint64_t datagrams_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t receive_calls = 0;    // recvmmsg calls that returned data
  std::uint64_t receive_wakeups = 0;  // readiness notifications handled
  std::uint64_t receive_errors = 0;
  std::uint64_t oversized_dropped = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t send_calls = 0;        // sendmmsg calls
  std::uint64_t send_would_block = 0;  // times the kernel queue was full
  std::uint64_t send_queue_dropped = 0;
  std::uint64_t send_errors = 0;  // datagrams the kernel refused (dropped)
};

class UdpEndpoint {
 public:
  using ReceiveHandler = std::function<void(const Address& from, std::span<const std::uint8_t>)>;

  // Binds to `local` (port 0 picks a free port). Throws std::system_error on failure.
  UdpEndpoint(asio::io_context& io, const Address& local, UdpOptions options = {});
  ~UdpEndpoint();
  UdpEndpoint(const UdpEndpoint&) = delete;
  UdpEndpoint& operator=(const UdpEndpoint&) = delete;

  // Starts receiving. `on_datagram` runs on the loop for every datagram; `on_batch_end`
  // (optional) after each drained batch, a good place to flush work triggered by it.
  void start(ReceiveHandler on_datagram, std::function<void()> on_batch_end = {});

  // Queues one datagram to `to`; never blocks. Queued datagrams go out in batches at
  // the end of the current handler (or at once when a batch is full). Returns false when
  // the datagram was dropped (queue full, too large, or unreachable address family).
  bool send(const Address& to, std::span<const std::uint8_t> data);

  // Sends what is queued now, as far as the kernel takes it.
  void flush();

  // Between begin_batch() and the matching end_batch(), send() only queues: what was
  // queued leaves in one sendmmsg when the outermost batch ends, with no posted flush
  // (which asio would run only after another trip through the reactor). Received
  // datagrams are handed out inside such a batch.
  void begin_batch() { ++batch_depth_; }
  void end_batch();

  // Stops receiving and closes the socket; queued datagrams are discarded.
  void close();

  Address local_address() const { return local_; }
  const UdpStats& stats() const { return stats_; }
  std::size_t queued() const { return send_entries_.size() - send_head_; }
  int native_handle() { return socket_.native_handle(); }
  // Counters of the impairment, nullptr when it is off.
  const impair::Stats* impairment_stats() const;
  // Datagrams offered to, lost and duplicated by every impaired endpoint of the
  // process so far (thread-safe; tests check that an impairment was really on).
  struct ImpairmentTotals {
    std::uint64_t sent = 0;
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
  };
  static ImpairmentTotals impairment_totals();

 private:
  struct SendEntry {
    sockaddr_storage to;
    socklen_t to_len;
    std::size_t offset;
    std::size_t length;
  };

  struct Impaired;
  bool queue_datagram(const Address& to, std::span<const std::uint8_t> data);
  bool send_impaired(const Address& to, std::span<const std::uint8_t> data);
  void arm_impairment_timer();
  void release_held();

  void arm_receive();
  void drain_receive();
  void receive_batches();
  void schedule_flush();
  void arm_writable();

  asio::io_context& io_;
  asio::ip::udp::socket socket_;
  UdpOptions options_;
  Address local_;
  int family_ = AF_INET;
  ReceiveHandler on_datagram_;
  std::function<void()> on_batch_end_;
  UdpStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::vector<std::uint8_t> recv_buffer_;
  std::vector<sockaddr_storage> recv_names_;
  std::vector<iovec> recv_iovs_;
  std::vector<mmsghdr> recv_msgs_;

  std::vector<std::uint8_t> send_data_;
  std::vector<SendEntry> send_entries_;
  std::size_t send_head_ = 0;
  bool flush_scheduled_ = false;
  // Open begin_batch() scopes (see there).
  int batch_depth_ = 0;
  bool waiting_writable_ = false;
  bool receiving_ = false;
  // Set only when UdpOptions::impairment is active.
  std::unique_ptr<Impaired> impaired_;
};

}  // namespace gs::net
