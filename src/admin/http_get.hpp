#pragma once
// A plain HTTP GET against an admin endpoint, for checks and tests. Kept apart so
// that callers need not include cpp-httplib (its OpenSSL headers clash with wolfSSL's).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace gs::admin {

struct HttpReply {
  int status = 0;
  std::string body;
};

// nullopt when nothing answered within `timeout` (connect and read each).
std::optional<HttpReply> http_get(const std::string& host, std::uint16_t port, const std::string& path,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace gs::admin
