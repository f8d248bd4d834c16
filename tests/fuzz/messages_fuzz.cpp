// Fuzzes the typed message decoders and the session's handling of arbitrary
// messages before and after authentication.

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/messages.hpp"
#include "session/control.hpp"
#include "session/link_auth.hpp"
#include "session/session.hpp"

namespace {

struct Null final : gs::session::SessionTransport, gs::session::SessionEvents {
  bool send(std::uint8_t, std::span<const std::byte>) override { return true; }
  void close(bool) override {}
  void on_authenticating(gs::session::Session&, gs::session::Time) override {}
  void on_auth_data(gs::session::Session& s, std::span<const std::uint8_t>, gs::session::Time now) override {
    s.complete_auth(now);
  }
  void on_connected(gs::session::Session&, gs::session::Time) override {}
  void on_authentication_failed(gs::session::Session&, std::string_view, gs::session::Time) override {}
  void on_message(gs::session::Session&, std::uint8_t, std::uint8_t, std::span<const std::byte>,
                  gs::session::Time) override {}
  void on_closed(gs::session::Session&, const gs::End&, gs::session::Time) override {}
};

template <class... M>
void decode_all(std::span<const std::byte> bytes) {
  ((void)gs::session::decode<M>(bytes), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes{reinterpret_cast<const std::byte*>(data), size};
  using namespace gs::protocol;
  using namespace gs::session;
  decode_all<AuthData, AuthComplete, AuthRefused, LinkHello, LinkProof, ClientHello, LoginRequest,
             LoginResponse, ServerHello, Authenticate, AuthResult, WorldReport, SeatUpdate, Unseat, Welcome,
             Input, Snapshot, Chat, ChatEvent, PlayerJoined, PlayerLeft, Kicked, ResumeTicket, PlayerStatus,
             ResumeRequest>(bytes);
  Null null;
  gs::session::Session session({}, null, null, Time{});
  std::uint8_t binding[32] = {};
  session.transport_open(binding, Time{});
  // The first byte picks the lane; the rest is split into messages at 0xff bytes.
  std::size_t start = size > 0 ? 1 : 0;
  for (std::size_t i = start; i <= size; ++i) {
    if (i == size || data[i] == 0xff) {
      session.transport_message(size > 0 ? data[0] % 4 : 0, bytes.subspan(start, i - start), Time{});
      start = i + 1;
    }
  }
  return 0;
}
