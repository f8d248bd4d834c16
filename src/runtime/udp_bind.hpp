#pragma once

#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include "common/units.hpp"

namespace gs {

// Resolves `where` and binds a UDP socket to it. Throws StartError naming `role`
// and the address when the name does not resolve or the bind fails.
asio::ip::udp::socket bind_udp(asio::io_context& io, std::string_view role, const Endpoint& where);

}  // namespace gs
