// gs::End: every code has a name of its own, sits in the range its number says, and is
// listed in kEndCodes; the channel's CLOSE byte maps both ways without losing the reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "channel/close_code.hpp"
#include "common/end.hpp"

using gs::End;
using gs::EndCode;
using gs::EndRange;

namespace {

bool listed(EndCode code) {
  return std::find(std::begin(gs::kEndCodes), std::end(gs::kEndCodes), code) != std::end(gs::kEndCodes);
}

}  // namespace

TEST_CASE("every number that names a code is listed once, with a unique name, in its range") {
  std::set<std::string> names;
  std::size_t named = 0;
  for (unsigned n = 0; n < 1000; ++n) {
    const auto code = static_cast<EndCode>(n);
    const std::string name(to_string(code));
    if (name == "unknown") {
      CHECK_FALSE(listed(code));
      continue;
    }
    ++named;
    CAPTURE(n);
    CHECK(listed(code));
    CHECK(names.insert(name).second);
    CHECK(static_cast<unsigned>(range_of(code)) == n / 100);
  }
  CHECK(named == std::size(gs::kEndCodes));
}

TEST_CASE("codes sit in the ranges their meaning says: game, session, local, remote") {
  CHECK(range_of(EndCode::none) == EndRange::none);
  CHECK(range_of(EndCode::kicked) == EndRange::game);
  CHECK(range_of(EndCode::login_replaced) == EndRange::game);
  CHECK(range_of(EndCode::auth_refused) == EndRange::session);
  CHECK(range_of(EndCode::timeout) == EndRange::local);
  CHECK(range_of(EndCode::handshake_failed) == EndRange::local);
  CHECK(range_of(EndCode::remote) == EndRange::remote);
  CHECK(range_of(EndCode::remote_overflow) == EndRange::remote);
  CHECK(range_of(static_cast<EndCode>(700)) == EndRange::none);
}

TEST_CASE("an End reads as its detail when it has one, else as its code's name") {
  CHECK_FALSE(End{}.ended());
  CHECK(End{EndCode::kicked, {}}.ended());
  CHECK(End{EndCode::kicked, {}}.text() == "kicked");
  CHECK(End{EndCode::kicked, "cheating"}.text() == "cheating");
}

TEST_CASE("the CLOSE byte: the wire values never change, and the peer's reason lands in the remote range") {
  using gs::channel::from_wire;
  using gs::channel::to_wire;
  // docs/PROTOCOL.md, "CLOSE reason codes".
  CHECK(to_wire(EndCode::local) == 1);
  CHECK(to_wire(EndCode::timeout) == 3);
  CHECK(to_wire(EndCode::protocol_error) == 4);
  CHECK(to_wire(EndCode::overflow) == 5);
  CHECK(to_wire(EndCode::kicked) == 1);  // a reason the channel never closes for reads as local

  CHECK(from_wire(1) == EndCode::remote);
  CHECK(from_wire(2) == EndCode::remote);
  CHECK(from_wire(3) == EndCode::remote_timeout);
  CHECK(from_wire(4) == EndCode::remote_protocol_error);
  CHECK(from_wire(5) == EndCode::remote_overflow);
  CHECK(from_wire(200) == EndCode::remote);  // any byte is accepted
  for (EndCode code : {EndCode::timeout, EndCode::protocol_error, EndCode::overflow})
    CHECK(static_cast<unsigned>(from_wire(to_wire(code))) == static_cast<unsigned>(code) + 100);
}
