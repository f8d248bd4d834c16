#pragma once
// The key under which auth counts a client's failed logins and its logins in flight:
// the client's IP address cut to a network prefix. One host is one key whatever port it
// comes from, and by default one IPv6 /64 is one key, since a single subscriber usually
// holds a whole /64 and can pick any address in it.
//
// The address arrives from a gateway (Authenticate.client_address) and is parsed, never
// used as given: text that is not an IP address yields no group, and the caller then
// counts it under one key for the whole gateway link (never unthrottled).

#include <optional>
#include <string>
#include <string_view>

namespace gs::store {

struct AddressPrefixes {
  unsigned v4 = 32;  // bits of an IPv4 address that name a group, 8..32
  unsigned v6 = 64;  // bits of an IPv6 address that name a group, 16..128
};

// "v4:192.0.2.0/24" or "v6:2001:db8::/64" (the masked network and the prefix length);
// nullopt when `client_address` is not an IP address literal. Accepted forms: "a.b.c.d",
// "v6" and "[v6]" (what gateways send), and either with ":port" (what gateways sent
// before the field held the host only). IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4.
// Prefix lengths beyond the address size are capped to it.
std::optional<std::string> address_group(std::string_view client_address, AddressPrefixes prefixes);

}  // namespace gs::store
