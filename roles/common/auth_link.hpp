#pragma once
// The outgoing, mutually authenticated link from a gateway or world to auth. It
// reconnects with exponential backoff and jitter whenever it drops; whoever uses it
// hears when it goes up and down, so requests in flight can fail at once.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <spdlog/logger.h>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "crypto/secret.hpp"
#include "peers/peer_host.hpp"
#include "session/link_auth.hpp"

namespace gs::roles {

class AuthLink final : private session::SessionEvents, private peers::PeerObserver {
 public:
  struct Settings {
    std::string role;  // "gateway" or "world"
    std::string id;
    Endpoint auth;
    std::chrono::milliseconds backoff_min{200};
    // A dial sends one hello and gives up after 1 s (tls_setup.cpp), so with this
    // ceiling a returning auth is found within 1.5 s.
    std::chrono::milliseconds backoff_max{500};
    session::SessionConfig session{};  // the link's session (config `session.*`)
  };
  struct Callbacks {
    std::function<void()> up;
    std::function<void()> down;
    std::function<void(std::uint8_t type, std::span<const std::byte> message)> message;
  };

  AuthLink(asio::io_context& io, std::shared_ptr<spdlog::logger> log, Settings settings,
           crypto::SecretBuffer secret, transport::HostOptions options, Callbacks callbacks);
  ~AuthLink() override;

  void start();
  void stop();
  bool up() const { return up_; }
  // The link connection's statistics while one exists.
  std::optional<transport::ConnectionStats> connection_stats() const {
    if (!host_ || connection_ == 0) return std::nullopt;
    return host_->transport().stats(connection_);
  }
  // Sends on the control lane; false while the link is down.
  bool send(std::span<const std::byte> message);
  // Key rotation: the next link authentication proves `secret`, the next connection
  // trusts `trust`; a link that is up stays up.
  void set_secret(crypto::SecretBuffer secret) { secret_ = std::move(secret); }
  void set_trust(std::shared_ptr<const dtls::ClientContext> trust) {
    host_->transport().set_client_trust(std::move(trust));
  }

 private:
  void dial();
  void retry_later();
  void went_down(std::string_view why);

  void on_authenticating(session::Session& session, session::Time now) override;
  void on_auth_data(session::Session& session, std::span<const std::uint8_t> data,
                    session::Time now) override;
  void on_connected(session::Session& session, session::Time now) override;
  void on_authentication_failed(session::Session& session, std::string_view reason,
                                session::Time now) override;
  void on_message(session::Session& session, std::uint8_t lane, std::uint8_t type,
                  std::span<const std::byte> message, session::Time now) override;
  void on_closed(session::Session& session, const End& end, session::Time now) override;
  void on_peer_added(peers::Peer& peer) override;
  void on_peer_removed(peers::Peer& peer, const End& end) override;
  void on_connect_failed(transport::ConnectionId id, const End& end) override;

  asio::io_context& io_;
  std::shared_ptr<spdlog::logger> log_;
  Settings settings_;
  crypto::SecretBuffer secret_;
  Callbacks callbacks_;
  std::unique_ptr<peers::PeerHost> host_;
  std::optional<session::LinkAuth> link_auth_;
  transport::ConnectionId connection_ = 0;
  peers::Peer* peer_ = nullptr;
  bool up_ = false;
  bool stopped_ = false;
  unsigned attempt_ = 0;
  std::string last_failure_;
  asio::steady_timer retry_;
  std::minstd_rand jitter_{std::random_device{}()};
};

}  // namespace gs::roles
