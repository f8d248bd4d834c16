#include "net/source.hpp"

#include <netinet/in.h>

namespace gs::net {

Source source_of(const Address& address) {
  Source s;
  if (address.is_v4()) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(address.data());
    s.bits = ntohl(a->sin_addr.s_addr);
  } else if (address.is_v6()) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(address.data());
    s.v6 = true;
    for (int i = 0; i < 8; ++i) s.bits = (s.bits << 8) | a->sin6_addr.s6_addr[i];
  }
  return s;
}

}  // namespace gs::net
