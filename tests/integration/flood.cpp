#include "flood.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dtls/client.hpp"

namespace gs::test::flood {
namespace {

using Clock = std::chrono::steady_clock;

int open_socket(in_addr source) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr = source;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    ::close(fd);
    throw std::runtime_error(fmt::format("bind: {}", std::strerror(errno)));
  }
  return fd;
}

bool send_to(int fd, const sockaddr_in& to, const std::uint8_t* data, std::size_t size) {
  for (;;) {
    ssize_t n = ::sendto(fd, data, size, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n >= 0) return true;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == ENOBUFS) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    return false;  // ECONNREFUSED from an earlier ICMP error, and the like
  }
}

// Reads everything queued on `fd`; calls `each(size)` per datagram.
template <typename F>
void drain_socket(int fd, std::vector<std::uint8_t>& buffer, F each) {
  for (;;) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n >= 0) {
      each(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR || errno == ECONNREFUSED) continue;
    return;
  }
}

struct Capture final : dtls::ClientHandler {
  std::vector<std::vector<std::uint8_t>> out;
  bool connected = false;
  bool closed = false;
  void on_transmit(std::span<const std::uint8_t> d) override { out.emplace_back(d.begin(), d.end()); }
  void on_connected() override { connected = true; }
  void on_data(std::span<const std::uint8_t>) override {}
  void on_closed(const gs::End&) override { closed = true; }
};

std::shared_ptr<const dtls::ClientContext> insecure_context() {
  dtls::ClientConfig config;
  config.insecure = true;
  return std::make_shared<const dtls::ClientContext>(config);
}

}  // namespace

sockaddr_in parse_target(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("expected HOST:PORT, got " + host_port);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &a.sin_addr) != 1)
    throw std::invalid_argument("expected an IPv4 address in " + host_port);
  int port = std::stoi(host_port.substr(colon + 1));
  if (port <= 0 || port > 65535) throw std::invalid_argument("bad port in " + host_port);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

in_addr parse_source(const std::string& host) {
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) != 1)
    throw std::invalid_argument("expected an IPv4 address, got " + host);
  return a;
}

in_addr loopback() {
  in_addr a{};
  a.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::vector<std::uint8_t> client_hello() {
  Capture capture;
  dtls::Client client(insecure_context(), capture);
  client.start(Clock::now());
  if (capture.out.empty()) throw std::runtime_error("the DTLS client sent no ClientHello");
  return capture.out.front();
}

void raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string SprayResult::json() const {
  return fmt::format(
      R"({{"datagrams_sent":{},"bytes_sent":{},"datagrams_received":{},"bytes_received":{},"hello_bytes":{},)"
      R"("smallest_sent":{},"largest_reply":{},"sources":{},"sources_answered":{},"sources_amplified":{},)"
      R"("worst_ratio":{:.4f},"seconds":{:.2f}}})",
      datagrams_sent, bytes_sent, datagrams_received, bytes_received, hello_bytes, smallest_sent,
      largest_reply, sources, sources_answered, sources_amplified, worst_ratio, seconds);
}

namespace {

// One sending socket of a spray and what went through it.
struct SpraySource {
  int fd = -1;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::size_t smallest = SIZE_MAX;
};

// Hands out the spray's datagrams: real hellos, mutated hellos (cut short or with bits
// flipped) and random bytes, interleaved in proportion to what is left of each.
class DatagramMix {
 public:
  DatagramMix(const SprayOptions& options, std::vector<std::uint8_t> hello)
      : hello_(std::move(hello)),
        hellos_(options.hellos),
        mutants_(options.mutants),
        randoms_(options.randoms),
        rng_(options.seed) {}

  const std::vector<std::uint8_t>& next() {
    std::uniform_int_distribution<std::size_t> pick(0, hellos_ + mutants_ + randoms_ - 1);
    std::size_t k = pick(rng_);
    if (k < hellos_) {
      --hellos_;
      datagram_ = hello_;
    } else if (k < hellos_ + mutants_) {
      --mutants_;
      mutate_hello();
    } else {
      --randoms_;
      datagram_.resize(1 + rng_() % 1400);
      for (auto& b : datagram_) b = static_cast<std::uint8_t>(rng_());
    }
    return datagram_;
  }

 private:
  void mutate_hello() {
    datagram_ = hello_;
    if (rng_() % 2 == 0) {
      datagram_.resize(1 + rng_() % (hello_.size() - 1));
      return;
    }
    for (int flips = 0; flips < 4; ++flips)
      datagram_[rng_() % datagram_.size()] ^= static_cast<std::uint8_t>(1 + rng_() % 255);
  }

  const std::vector<std::uint8_t> hello_;
  std::size_t hellos_, mutants_, randoms_;
  std::mt19937_64 rng_;
  std::vector<std::uint8_t> datagram_;
};

void drain_sources(std::vector<SpraySource>& sources, std::vector<std::uint8_t>& buffer, SprayResult& r) {
  for (auto& s : sources)
    drain_socket(s.fd, buffer, [&](std::size_t n) {
      s.received += n;
      ++r.datagrams_received;
      r.bytes_received += n;
      r.largest_reply = std::max(r.largest_reply, n);
    });
}

// Per-source totals into `r`; closes the sockets.
void tally_sources(std::vector<SpraySource>& sources, SprayResult& r) {
  r.smallest_sent = SIZE_MAX;
  for (auto& s : sources) {
    if (s.received > 0) {
      ++r.sources_answered;
      r.smallest_sent = std::min(r.smallest_sent, s.smallest);
    }
    if (s.received > s.sent) ++r.sources_amplified;
    if (s.sent > 0)
      r.worst_ratio = std::max(r.worst_ratio, static_cast<double>(s.received) / static_cast<double>(s.sent));
    ::close(s.fd);
  }
  if (r.smallest_sent == SIZE_MAX) r.smallest_sent = 0;
}

}  // namespace

SprayResult spray(const SprayOptions& options) {
  if (options.targets.empty() || options.sockets == 0)
    throw std::invalid_argument("spray: no targets or sockets");
  raise_file_limit();
  const auto hello = client_hello();
  std::vector<SpraySource> sources(options.sockets);
  for (auto& s : sources) s.fd = open_socket(options.source);

  SprayResult r;
  r.hello_bytes = hello.size();
  r.sources = sources.size();
  DatagramMix mix(options, hello);
  std::vector<std::uint8_t> buffer(65536);

  const std::size_t total = options.hellos + options.mutants + options.randoms;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < total; ++i) {
    const auto& datagram = mix.next();
    SpraySource& s = sources[i % sources.size()];
    const sockaddr_in& to = options.targets[(i / sources.size()) % options.targets.size()];
    if (send_to(s.fd, to, datagram.data(), datagram.size())) {
      s.sent += datagram.size();
      s.smallest = std::min(s.smallest, datagram.size());
      ++r.datagrams_sent;
      r.bytes_sent += datagram.size();
    }
    if ((i + 1) % 1000 == 0) drain_sources(sources, buffer, r);
    if (options.rate > 0) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>((i + 1) / options.rate));
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
  }
  auto linger_end = Clock::now() + options.linger;
  while (Clock::now() < linger_end) {
    drain_sources(sources, buffer, r);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  drain_sources(sources, buffer, r);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  tally_sources(sources, r);
  return r;
}

HeldHandshakes::HeldHandshakes(const sockaddr_in& target, std::size_t count, bool complete,
                               std::chrono::milliseconds step_timeout, in_addr source) {
  raise_file_limit();
  auto context = insecure_context();
  std::vector<std::uint8_t> buffer(65536);
  const auto start = Clock::now();
  fds_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    int fd = open_socket(source);
    fds_.push_back(fd);
    ++result_.attempted;
    Capture capture;
    dtls::Client client(context, capture);
    client.start(Clock::now());
    auto flush = [&] {
      for (const auto& d : capture.out) send_to(fd, target, d.data(), d.size());
      capture.out.clear();
    };
    flush();
    const auto deadline = Clock::now() + step_timeout;
    bool cookie_seen = false;
    while (Clock::now() < deadline && !capture.closed) {
      auto wake = std::min<Clock::time_point>(deadline, client.next_wakeup().value_or(deadline));
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now()).count();
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(wait, 0) + 1)) > 0) {
        drain_socket(fd, buffer, [&](std::size_t n) {
          if (!cookie_seen) {
            cookie_seen = true;
            ++result_.cookies;
          }
          client.receive(std::span<const std::uint8_t>(buffer.data(), n), Clock::now());
        });
      } else {
        client.update(Clock::now());
      }
      flush();
      if (!complete && cookie_seen) break;  // the cookie'd hello is out: leave it half open
      if (capture.connected) {
        ++result_.established;
        break;
      }
    }
    // The client object is dropped without a close_notify: from now on, silence.
  }
  // Completed handshakes filled wolfSSL's per-thread ECC caches on this thread.
  if (complete) dtls::release_thread_caches();
  result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
}

HeldHandshakes::~HeldHandshakes() {
  for (int fd : fds_) ::close(fd);
}

std::uint64_t HeldHandshakes::drain() {
  std::vector<std::uint8_t> buffer(65536);
  std::uint64_t bytes = 0;
  for (int fd : fds_) drain_socket(fd, buffer, [&](std::size_t n) { bytes += n; });
  return bytes;
}

}  // namespace gs::test::flood

namespace gs::test::flood {
namespace {

struct PingerEvents final : dtls::ClientHandler {
  std::vector<std::vector<std::uint8_t>> out;
  bool connected = false;
  bool closed = false;
  bool refused = false;
  std::uint64_t records = 0;
  void on_transmit(std::span<const std::uint8_t> d) override { out.emplace_back(d.begin(), d.end()); }
  void on_connected() override { connected = true; }
  void on_data(std::span<const std::uint8_t> d) override {
    ++records;
    constexpr std::string_view reason = "bad_hello";  // AuthRefused's reason, inside a MESSAGES frame
    if (std::search(d.begin(), d.end(), reason.begin(), reason.end()) != d.end()) refused = true;
  }
  void on_closed(const gs::End&) override { closed = true; }
};

// A channel packet (docs/PROTOCOL.md 1.2): header byte, packet number u32, frames.
std::vector<std::uint8_t> channel_packet(std::uint32_t number, std::initializer_list<std::uint8_t> frames) {
  std::vector<std::uint8_t> p{0x10};
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(number >> (8 * i)));
  p.insert(p.end(), frames);
  return p;
}

}  // namespace

std::string PingerResult::json() const {
  return fmt::format(
      R"({{"established":{},"refused":{},"closed":{},"closed_after_s":{:.2f},"pings":{},"records_received":{}}})",
      established, refused, closed, closed_after_s, pings, records_received);
}

PingerResult refused_pinger(const sockaddr_in& target, std::chrono::milliseconds duration,
                            std::chrono::milliseconds interval, in_addr source) {
  PingerResult r;
  int fd = open_socket(source);
  PingerEvents events;
  dtls::Client client(insecure_context(), events);
  std::vector<std::uint8_t> buffer(65536);
  auto flush = [&] {
    for (const auto& d : events.out) send_to(fd, target, d.data(), d.size());
    events.out.clear();
  };
  auto receive_for = [&](Clock::duration wait) {
    pollfd p{fd, POLLIN, 0};
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(ms, 0) + 1)) > 0)
      drain_socket(fd, buffer, [&](std::size_t n) { client.receive({buffer.data(), n}, Clock::now()); });
    client.update(Clock::now());
    flush();
  };
  const auto start = Clock::now();
  client.start(start);
  flush();
  while (!events.connected && !events.closed && Clock::now() - start < std::chrono::seconds(5))
    receive_for(std::chrono::milliseconds(50));
  r.established = events.connected;
  if (r.established) {
    // MESSAGES on lane 0, id 0, one message of 3 bytes: AuthData (0x01) with empty data.
    auto hello = channel_packet(0, {0x10, 0x00, 0, 0, 0, 0, 0x01, 0x03, 0x01, 0x00, 0x00});
    client.send(hello);
    flush();
    std::optional<Clock::time_point> refused_at;
    std::uint32_t number = 1;
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) {
      if (!events.closed) {
        client.send(channel_packet(number++, {0x02}));
        ++r.pings;
      } else {
        // The session is gone: go on as a raw socket would, one stale PING record each time.
        auto stale = channel_packet(number++, {0x02});
        send_to(fd, target, stale.data(), stale.size());
        ++r.pings;
      }
      flush();
      auto until = Clock::now() + interval;
      while (Clock::now() < until) receive_for(until - Clock::now());
      if (events.refused && !refused_at) refused_at = Clock::now();
      if (events.closed && !r.closed) {
        r.closed = true;
        if (refused_at) r.closed_after_s = std::chrono::duration<double>(Clock::now() - *refused_at).count();
      }
    }
  }
  r.refused = events.refused;
  r.records_received = events.records;
  ::close(fd);
  dtls::release_thread_caches();
  return r;
}

}  // namespace gs::test::flood
