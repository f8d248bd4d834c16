#pragma once
// The gateway's logic, apart from sockets: greets clients, checks their protocol
// version and game, takes one LoginRequest per connection, forwards it to auth as
// Authenticate and returns the answer as LoginResponse, then closes after the flush.
// It is the SessionEvents of every client session.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "protocol/messages.hpp"
#include "session/session.hpp"

namespace gs::roles {

struct GatewayStats {
  std::uint64_t clients_refused = 0;  // wrong version or game
  std::uint64_t logins_forwarded = 0;
  std::uint64_t logins_ok = 0;
  std::uint64_t logins_failed = 0;
  std::uint64_t unavailable = 0;     // no auth link
  std::uint64_t extra_requests = 0;  // a second LoginRequest on one connection, dropped
  std::uint64_t malformed = 0;
  std::uint64_t login_timeouts = 0;
};

class GatewayService final : public session::SessionEvents {
 public:
  using Time = session::Time;
  struct Settings {
    std::string id = "gateway-1";
    std::string game = "gameserver";
    session::Duration login_timeout = std::chrono::seconds(10);
  };
  // Which auth link a request left on (a gateway may list several auth servers).
  struct Sent {
    std::size_t link = 0;
  };
  // Sends to auth; nullopt when no auth link is up.
  using SendToAuth = std::function<std::optional<Sent>(const protocol::Authenticate&)>;

  GatewayService(Settings settings, SendToAuth send_to_auth);

  // A client's connection exists (call before its session's transport_open).
  void add_client(session::Session& session, std::uint64_t client_id, std::string address, Time now);
  // The connection is gone (after the session closed).
  void remove_client(session::Session& session);

  void on_auth_result(const protocol::AuthResult& result, Time now);
  // An auth link dropped: every login waiting on it fails with `unavailable` now
  // (logins waiting on other links carry on).
  void on_auth_link_down(Time now, std::size_t link = 0);

  // Drops clients that have not finished their login within login_timeout.
  void update(Time now);
  Time next_wakeup() const;

  std::size_t clients() const { return clients_.size(); }
  const GatewayStats& stats() const { return stats_; }

  // session::SessionEvents
  void on_authenticating(session::Session& session, Time now) override;
  void on_auth_data(session::Session& session, std::span<const std::uint8_t> data, Time now) override;
  void on_connected(session::Session& session, Time now) override;
  void on_authentication_failed(session::Session& session, std::string_view reason, Time now) override;
  void on_message(session::Session& session, std::uint8_t lane, std::uint8_t type,
                  std::span<const std::byte> message, Time now) override;
  void on_closed(session::Session& session, const End& end, Time now) override;

 private:
  enum class Phase { greeting, ready, waiting_for_auth, answered };
  struct Client {
    session::Session* session = nullptr;
    std::uint64_t id = 0;
    std::string address;
    Phase phase = Phase::greeting;
    std::uint32_t request_id = 0;
    std::size_t link = 0;  // the auth link the request went out on
    Time deadline{};
  };

  void respond(Client& client, protocol::LoginResponse response, Time now);
  void handle_login(Client& client, std::span<const std::byte> message, Time now);

  Settings settings_;
  SendToAuth send_to_auth_;
  std::unordered_map<session::Session*, Client> clients_;
  std::map<std::uint32_t, session::Session*> by_request_;
  std::uint32_t next_request_id_ = 1;
  GatewayStats stats_;
  std::vector<std::byte> scratch_;
  std::vector<session::Session*> expired_;  // update()'s list (kept for its capacity)
};

}  // namespace gs::roles
