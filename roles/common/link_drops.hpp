#pragma once
// gameserver_link_messages_dropped_total{reason}: messages from a linked role (a
// gateway or world to auth, auth to a gateway or world) that the role dropped, the
// same family for every role, both reasons present from zero:
//   malformed   the message failed to decode;
//   unexpected  a type this link may not send (or no known type at all), or a world's
//               report or seat speaking for another world.
// These are the role's drops, not the session's: the link stays up
// (session.max_bad_messages counts only messages the session itself cannot place).
// A warning is logged at the 1st, 2nd, 4th, 8th... drop of each reason, so a linked
// peer sending garbage is seen without flooding the log.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include <spdlog/logger.h>

#include "admin/metrics.hpp"
#include "session/codec.hpp"

namespace gs::roles {

class LinkDrops {
 public:
  enum class Reason : std::uint8_t { malformed, unexpected };

  explicit LinkDrops(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

  // Counts one dropped message of `type` from the linked `role` `id` (named in the log
  // only, e.g. "world", "world-1" or "auth", "127.0.0.1:7001").
  void drop(Reason reason, std::uint8_t type, std::string_view role, std::string_view id);

  // The message decoded as M, or nullopt after counting a malformed drop.
  template <class M>
  std::optional<M> decode(std::span<const std::byte> message, std::string_view role, std::string_view id) {
    auto decoded = session::decode<M>(message);
    if (!decoded) drop(Reason::malformed, M::type, role, id);
    return decoded;
  }

  std::uint64_t count(Reason reason) const { return counts_[static_cast<std::size_t>(reason)]; }
  void collect(admin::MetricsWriter& out) const;

 private:
  std::shared_ptr<spdlog::logger> log_;
  std::uint64_t counts_[2] = {0, 0};
};

}  // namespace gs::roles
