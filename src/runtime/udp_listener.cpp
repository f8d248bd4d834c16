#include "runtime/udp_listener.hpp"

#include "runtime/udp_bind.hpp"

namespace gs {

UdpListener::UdpListener(asio::io_context& io, std::string role, Endpoint where,
                         std::shared_ptr<spdlog::logger> log)
    : io_(io), role_(std::move(role)), where_(std::move(where)), log_(std::move(log)) {}

void UdpListener::start(Handler handler) {
  handler_ = std::move(handler);
  socket_ = std::make_unique<asio::ip::udp::socket>(bind_udp(io_, role_, where_));
  auto bound = socket_->local_endpoint();
  log_->info("{} listening on {}", role_, Endpoint{bound.address().to_string(), bound.port()}.to_string());
  receive();
}

void UdpListener::stop() {
  if (!socket_) return;
  asio::error_code ignored;
  socket_->close(ignored);
}

asio::ip::udp::endpoint UdpListener::local_endpoint() const {
  asio::error_code ec;
  return socket_ ? socket_->local_endpoint(ec) : asio::ip::udp::endpoint{};
}

void UdpListener::receive() {
  socket_->async_receive_from(asio::buffer(buffer_), from_,
                              [this](const asio::error_code& ec, std::size_t n) {
                                if (ec == asio::error::operation_aborted || !socket_->is_open()) return;
                                if (!ec) {
                                  ++received_;
                                  if (handler_)
                                    handler_(std::span<const std::byte>(buffer_.data(), n), from_);
                                }
                                receive();
                              });
}

}  // namespace gs
