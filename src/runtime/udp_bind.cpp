#include "runtime/udp_bind.hpp"

#include <asio/ip/v6_only.hpp>

#include <fmt/format.h>

#include "runtime/role.hpp"

namespace gs {

asio::ip::udp::socket bind_udp(asio::io_context& io, std::string_view role, const Endpoint& where) {
  asio::error_code ec;
  asio::ip::udp::resolver resolver(io);
  auto results =
      resolver.resolve(where.host, std::to_string(where.port),
                       asio::ip::udp::resolver::passive | asio::ip::udp::resolver::numeric_service, ec);
  if (ec || results.empty())
    throw StartError(fmt::format("{}: cannot listen on {}: {}", role, where.to_string(),
                                 ec ? ec.message() : "the name does not resolve"));
  asio::ip::udp::endpoint endpoint = results.begin()->endpoint();
  asio::ip::udp::socket socket(io);
  socket.open(endpoint.protocol(), ec);
  if (!ec && endpoint.address().is_v6()) socket.set_option(asio::ip::v6_only(true), ec);
  if (!ec) socket.bind(endpoint, ec);
  if (ec) throw StartError(fmt::format("{}: cannot listen on {}: {}", role, where.to_string(), ec.message()));
  return socket;
}

}  // namespace gs
