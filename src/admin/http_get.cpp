#include "admin/http_get.hpp"

#include <httplib.h>

namespace gs::admin {

std::optional<HttpReply> http_get(const std::string& host, std::uint16_t port, const std::string& path,
                                  std::chrono::milliseconds timeout) {
  httplib::Client client(host, port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  auto res = client.Get(path);
  if (!res) return std::nullopt;
  return HttpReply{res->status, res->body};
}

}  // namespace gs::admin
