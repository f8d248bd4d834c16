#include "roles/common/link_drops.hpp"

#include <bit>

namespace gs::roles {

namespace {

const char* name(LinkDrops::Reason reason) {
  return reason == LinkDrops::Reason::malformed ? "malformed" : "unexpected";
}

}  // namespace

void LinkDrops::drop(Reason reason, std::uint8_t type, std::string_view role, std::string_view id) {
  auto count = ++counts_[static_cast<std::size_t>(reason)];
  if (log_ && std::has_single_bit(count))
    log_->warn("dropped a message of type 0x{:02x} from {} {}: {} ({} so far)", type, role, id, name(reason),
               count);
}

void LinkDrops::collect(admin::MetricsWriter& out) const {
  const char* help =
      "Messages from a linked role dropped, by reason: malformed (failed to decode) or unexpected (a type "
      "this link may not send, or a report for another world)";
  for (auto reason : {Reason::malformed, Reason::unexpected})
    out.counter("gameserver_link_messages_dropped_total", help, static_cast<double>(count(reason)),
                {{"reason", name(reason)}});
}

}  // namespace gs::roles
