#include "net/udp_endpoint.hpp"

#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>

#include <sys/uio.h>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace gs::net {

namespace {

constexpr std::size_t kSendBatch = 64;

// Impaired endpoints made so far in this process: each draws from its own generator.
std::atomic<std::uint64_t> impaired_endpoints{0};
std::atomic<std::uint64_t> total_sent{0}, total_lost{0}, total_duplicated{0};

}  // namespace

// Datagrams the impairment delays, in a min-heap on (due time, order sent).
struct UdpEndpoint::Impaired {
  struct Held {
    impair::Time at;
    std::uint64_t seq;
    Address to;
    std::vector<std::uint8_t> data;
    bool operator>(const Held& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  Impaired(asio::io_context& io, const UdpOptions& o)
      : impairment(o.impairment, impair::derive_seed(o.impairment_seed, impaired_endpoints++)), timer(io) {}

  impair::Impairment impairment;
  asio::steady_timer timer;
  std::vector<Held> heap;
  std::uint64_t seq = 0;
  impair::Time armed_for = impair::Time::max();
};

UdpEndpoint::UdpEndpoint(asio::io_context& io, const Address& local, UdpOptions options)
    : io_(io), socket_(io), options_(options) {
  if (local.empty()) throw std::system_error(EINVAL, std::generic_category(), "bind address");
  if (options_.receive_batch == 0) options_.receive_batch = 1;
  if (options_.receive_rounds == 0) options_.receive_rounds = 1;
  auto ep = local.endpoint();
  socket_.open(ep.protocol());
  family_ = local.family();
  if (local.is_v6()) {
    socket_.set_option(asio::ip::v6_only(!options_.dual_stack));
  }
  if (options_.socket_buffer_bytes > 0) {
    asio::error_code ignored;
    socket_.set_option(asio::socket_base::receive_buffer_size(options_.socket_buffer_bytes), ignored);
    socket_.set_option(asio::socket_base::send_buffer_size(options_.socket_buffer_bytes), ignored);
  }
  socket_.bind(ep);
  socket_.non_blocking(true);
  local_ = Address::from_endpoint(socket_.local_endpoint());
  if (options_.impairment.active()) impaired_ = std::make_unique<Impaired>(io_, options_);
  recv_buffer_.resize(options_.receive_batch * (options_.max_datagram + 1));
  recv_names_.resize(options_.receive_batch);
  // The headers for recvmmsg point at fixed slots, so they are built once; only the
  // fields the kernel overwrites are reset before each call.
  const std::size_t slot = options_.max_datagram + 1;
  recv_iovs_.resize(options_.receive_batch);
  recv_msgs_.resize(options_.receive_batch);
  for (std::size_t i = 0; i < options_.receive_batch; ++i) {
    recv_iovs_[i].iov_base = recv_buffer_.data() + i * slot;
    recv_iovs_[i].iov_len = slot;
    recv_msgs_[i] = mmsghdr{};
    recv_msgs_[i].msg_hdr.msg_name = &recv_names_[i];
    recv_msgs_[i].msg_hdr.msg_iov = &recv_iovs_[i];
    recv_msgs_[i].msg_hdr.msg_iovlen = 1;
  }
}

UdpEndpoint::~UdpEndpoint() {
  *alive_ = false;
  asio::error_code ignored;
  socket_.close(ignored);
}

void UdpEndpoint::start(ReceiveHandler on_datagram, std::function<void()> on_batch_end) {
  on_datagram_ = std::move(on_datagram);
  on_batch_end_ = std::move(on_batch_end);
  receiving_ = true;
  arm_receive();
}

void UdpEndpoint::close() {
  receiving_ = false;
  asio::error_code ignored;
  socket_.close(ignored);
  send_entries_.clear();
  send_data_.clear();
  send_head_ = 0;
  if (impaired_) {
    impaired_->heap.clear();
    impaired_->timer.cancel();
    impaired_->armed_for = impair::Time::max();
  }
}

UdpEndpoint::ImpairmentTotals UdpEndpoint::impairment_totals() {
  return {total_sent.load(std::memory_order_relaxed), total_lost.load(std::memory_order_relaxed),
          total_duplicated.load(std::memory_order_relaxed)};
}

const impair::Stats* UdpEndpoint::impairment_stats() const {
  return impaired_ ? &impaired_->impairment.stats() : nullptr;
}

void UdpEndpoint::arm_receive() {
  if (!receiving_ || !socket_.is_open()) return;
  std::weak_ptr<bool> alive = alive_;
  socket_.async_wait(asio::socket_base::wait_read, [this, alive](const asio::error_code& ec) {
    if (alive.expired() || !*alive.lock()) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        ++stats_.receive_errors;
        arm_receive();
      }
      return;
    }
    drain_receive();
    arm_receive();
  });
}

void UdpEndpoint::drain_receive() {
  ++stats_.receive_wakeups;
  begin_batch();
  receive_batches();
  end_batch();
}

void UdpEndpoint::end_batch() {
  if (--batch_depth_ == 0 && socket_.is_open() && queued() > 0) flush();
}

void UdpEndpoint::receive_batches() {
  const std::size_t batch = options_.receive_batch;
  const std::size_t slot = options_.max_datagram + 1;
  auto& msgs = recv_msgs_;
  const int fd = socket_.native_handle();
  for (std::size_t round = 0; round < options_.receive_rounds; ++round) {
    for (auto& m : msgs) {
      m.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      m.msg_hdr.msg_flags = 0;
    }
    int n = ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(batch), MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // ICMP errors (ECONNREFUSED...) surface here on Linux; they carry no datagram.
        ++stats_.receive_errors;
        continue;
      }
      break;
    }
    ++stats_.receive_calls;
    for (int i = 0; i < n; ++i) {
      const auto& hdr = msgs[static_cast<std::size_t>(i)].msg_hdr;
      std::size_t len = msgs[static_cast<std::size_t>(i)].msg_len;
      if (len > options_.max_datagram || (hdr.msg_flags & MSG_TRUNC)) {
        ++stats_.oversized_dropped;
        continue;
      }
      ++stats_.datagrams_received;
      stats_.bytes_received += len;
      auto from = Address::from_sockaddr(reinterpret_cast<const sockaddr*>(hdr.msg_name), hdr.msg_namelen);
      if (on_datagram_) {
        on_datagram_(from, std::span<const std::uint8_t>(
                               recv_buffer_.data() + static_cast<std::size_t>(i) * slot, len));
      }
      if (!socket_.is_open()) break;
    }
    // Always closes the batch, even when a handler closed the socket mid-way: owners
    // rely on it to send what the batch queued.
    if (on_batch_end_) on_batch_end_();
    if (!socket_.is_open()) return;
    if (static_cast<std::size_t>(n) < batch) break;
  }
}

bool UdpEndpoint::send(const Address& to, std::span<const std::uint8_t> data) {
  if (impaired_) [[unlikely]]
    return send_impaired(to, data);
  return queue_datagram(to, data);
}

bool UdpEndpoint::send_impaired(const Address& to, std::span<const std::uint8_t> data) {
  if (!socket_.is_open()) {
    ++stats_.send_errors;
    return false;
  }
  auto& imp = *impaired_;
  const auto now = impair::Clock::now();
  const impair::Verdict v = imp.impairment.decide(data.size(), now);
  total_sent.fetch_add(1, std::memory_order_relaxed);
  if (v.copies != 1) (v.copies == 0 ? total_lost : total_duplicated).fetch_add(1, std::memory_order_relaxed);
  bool ok = true;
  for (int i = 0; i < v.copies; ++i) {
    const auto at = v.at[static_cast<std::size_t>(i)];
    if (at <= now) {
      ++imp.impairment.stats().delivered;
      imp.impairment.stats().bytes_delivered += data.size();
      ok = queue_datagram(to, data) && ok;
      continue;
    }
    imp.heap.push_back(Impaired::Held{at, imp.seq++, to, {data.begin(), data.end()}});
    std::push_heap(imp.heap.begin(), imp.heap.end(), std::greater<>{});
  }
  arm_impairment_timer();
  // A datagram the impairment dropped counts as sent: the network lost it.
  return ok;
}

void UdpEndpoint::arm_impairment_timer() {
  auto& imp = *impaired_;
  if (imp.heap.empty() || imp.heap.front().at >= imp.armed_for) return;
  imp.armed_for = imp.heap.front().at;
  imp.timer.expires_at(imp.armed_for);
  std::weak_ptr<bool> alive = alive_;
  imp.timer.async_wait([this, alive](const asio::error_code& ec) {
    if (ec || alive.expired() || !*alive.lock()) return;
    impaired_->armed_for = impair::Time::max();
    release_held();
    arm_impairment_timer();
  });
}

// Sends the held datagrams that are due, in one batch.
void UdpEndpoint::release_held() {
  auto& imp = *impaired_;
  const auto now = impair::Clock::now();
  begin_batch();
  while (!imp.heap.empty() && imp.heap.front().at <= now && socket_.is_open()) {
    std::pop_heap(imp.heap.begin(), imp.heap.end(), std::greater<>{});
    auto held = std::move(imp.heap.back());
    imp.heap.pop_back();
    ++imp.impairment.stats().delivered;
    imp.impairment.stats().bytes_delivered += held.data.size();
    queue_datagram(held.to, held.data);
  }
  end_batch();
}

bool UdpEndpoint::queue_datagram(const Address& to, std::span<const std::uint8_t> data) {
  if (!socket_.is_open()) {
    ++stats_.send_errors;
    return false;
  }
  if (queued() >= options_.send_queue_limit || data.size() > 65507) {
    ++stats_.send_queue_dropped;
    return false;
  }
  SendEntry e{};
  e.to_len = to.to_socket_form(family_, e.to);
  if (e.to_len == 0) {
    ++stats_.send_errors;
    return false;
  }
  e.offset = send_data_.size();
  e.length = data.size();
  send_data_.insert(send_data_.end(), data.begin(), data.end());
  send_entries_.push_back(e);
  if (queued() >= kSendBatch && !waiting_writable_) {
    flush();
  } else if (batch_depth_ == 0) {
    schedule_flush();
  }
  return true;
}

void UdpEndpoint::schedule_flush() {
  if (flush_scheduled_ || waiting_writable_) return;
  flush_scheduled_ = true;
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive] {
    if (alive.expired() || !*alive.lock()) return;
    flush_scheduled_ = false;
    flush();
  });
}

void UdpEndpoint::flush() {
  if (!socket_.is_open() || waiting_writable_) return;
  const int fd = socket_.native_handle();
  mmsghdr msgs[kSendBatch];
  iovec iovs[kSendBatch];
  while (send_head_ < send_entries_.size()) {
    std::size_t count = std::min(kSendBatch, send_entries_.size() - send_head_);
    for (std::size_t i = 0; i < count; ++i) {
      auto& e = send_entries_[send_head_ + i];
      iovs[i].iov_base = send_data_.data() + e.offset;
      iovs[i].iov_len = e.length;
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &e.to;
      msgs[i].msg_hdr.msg_namelen = e.to_len;
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    ++stats_.send_calls;
    int n = ::sendmmsg(fd, msgs, static_cast<unsigned>(count), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        ++stats_.send_would_block;
        arm_writable();
        return;
      }
      if (errno == EINTR) continue;
      // The first datagram was refused (e.g. EMSGSIZE, ENETUNREACH): drop it.
      ++stats_.send_errors;
      ++send_head_;
      continue;
    }
    for (int i = 0; i < n; ++i) {
      ++stats_.datagrams_sent;
      stats_.bytes_sent += send_entries_[send_head_ + static_cast<std::size_t>(i)].length;
    }
    send_head_ += static_cast<std::size_t>(n);
  }
  send_entries_.clear();
  send_data_.clear();
  send_head_ = 0;
}

void UdpEndpoint::arm_writable() {
  if (waiting_writable_) return;
  waiting_writable_ = true;
  std::weak_ptr<bool> alive = alive_;
  socket_.async_wait(asio::socket_base::wait_write, [this, alive](const asio::error_code& ec) {
    if (alive.expired() || !*alive.lock()) return;
    waiting_writable_ = false;
    if (ec) return;
    flush();
  });
}

}  // namespace gs::net
