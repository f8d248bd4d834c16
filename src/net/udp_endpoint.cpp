#include "net/udp_endpoint.hpp"

#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>

#include <sys/uio.h>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace gs::net {

namespace {

constexpr std::size_t kSendBatch = 64;

}  // namespace

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
