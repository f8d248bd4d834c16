#pragma once
// A stand-in world (and gateway) for the client's resume tests: a listening PeerHost
// that welcomes any token, hands out resume tickets, numbers its lane-0 messages from
// the Welcome as docs/PROTOCOL.md says, sends game messages (lane-2 ones with a number
// before them), and takes a ResumeRequest back (or refuses it), replaying what the client
// missed on lanes 0, 1 and 2. Its path can go silent: the host is dropped without
// a word and another listens on the same port, so the old connection hears nothing.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "config/config.hpp"
#include "peers/peer_host.hpp"
#include "protocol/messages.hpp"

namespace gs::test {

struct ResumeSeen {
  std::uint32_t received = 0;
  std::uint32_t received_reliable = 0;
  std::uint32_t unordered_below = 0;
  std::vector<std::uint32_t> unordered_above;
  std::vector<std::uint8_t> ticket;
  std::uint16_t port = 0;  // the client's source port
};

class FakeWorld final : session::SessionEvents, peers::PeerObserver {
 public:
  // Listens on 127.0.0.1 (a free port) with the certificate of `config`.
  FakeWorld(asio::io_context& io, const config::Config& config);
  ~FakeWorld() override;

  std::string address() const;  // "127.0.0.1:PORT"
  // A lane-0 message to the player: kept (numbered) for replays, sent if connected.
  void send(const std::vector<std::byte>& message);
  // A game message to the player on lane 1..4, as is (on lane 2 without a number: see
  // send_numbered); lane-1 ones are kept for replays.
  void send_game(std::uint8_t lane, const std::vector<std::byte>& message);
  // A lane-2 message with number `n` (u32 little-endian) before it, kept for replays.
  void send_numbered(std::uint32_t n, const std::vector<std::byte>& message);
  // The host goes away without a word; another listens on the same port at once.
  void go_silent();
  // The host goes away without a word; nothing listens any more.
  void stop();
  // Kicked(reason), then a graceful close.
  void kick(const std::string& reason);

  std::uint32_t player_id = 7;
  std::uint32_t grace_ms = 5000;
  std::string refuse;               // refuse every resume with this reason (empty: accept)
  std::function<void()> on_join;    // after the Welcome and the first ticket went out
  std::function<void()> on_resume;  // after the replay and the fresh ticket went out
  std::vector<ResumeSeen> resumes;
  std::uint16_t join_port = 0;  // the client's source port when it joined
  std::vector<std::string> chat_heard;
  std::vector<std::pair<std::uint8_t, std::vector<std::byte>>> game_heard;  // from the client, lanes 1..4
  std::function<void(std::uint8_t lane, const std::vector<std::byte>&)> on_game;  // runs inside the host
  std::function<void(const std::string&)> on_chat;  // runs inside the host: post what drops it
  std::vector<std::uint8_t> ticket;                 // the ticket the world holds the seat by

 private:
  void listen();
  void send_ticket();
  void replay(const ResumeSeen& seen);
  void on_authenticating(session::Session& s, session::Time) override;
  void on_auth_data(session::Session& s, std::span<const std::uint8_t> data, session::Time now) override;
  void on_connected(session::Session& s, session::Time) override;
  void on_authentication_failed(session::Session&, std::string_view, session::Time) override {}
  void on_message(session::Session&, std::uint8_t lane, std::uint8_t type, std::span<const std::byte> m,
                  session::Time) override;
  void on_closed(session::Session&, const End&, session::Time) override {}
  void on_peer_added(peers::Peer&) override {}
  void on_peer_removed(peers::Peer& p, const End&) override;

  asio::io_context& io_;
  const config::Config& config_;
  std::uint16_t port_ = 0;
  std::unique_ptr<peers::PeerHost> host_;
  peers::Peer* player_ = nullptr;                      // the connection in the world
  std::vector<std::vector<std::byte>> sent_;           // lane-0 messages, the Welcome first (number 1)
  std::vector<std::vector<std::byte>> reliable_sent_;  // lane 1
  std::vector<std::pair<std::uint32_t, std::vector<std::byte>>> numbered_sent_;  // lane 2, number first
  std::vector<session::Session*> resuming_;  // sessions whose ResumeRequest was accepted
  std::uint8_t generation_ = 0;
};

// A stand-in gateway: every login succeeds with a made-up token and the address of
// `world_address`.
class FakeGateway final : session::SessionEvents, peers::PeerObserver {
 public:
  FakeGateway(asio::io_context& io, const config::Config& config, std::string world_address);
  ~FakeGateway() override;
  std::string address() const;

 private:
  void on_authenticating(session::Session& s, session::Time) override;
  void on_auth_data(session::Session& s, std::span<const std::uint8_t>, session::Time now) override {
    s.complete_auth(now);
  }
  void on_connected(session::Session&, session::Time) override {}
  void on_authentication_failed(session::Session&, std::string_view, session::Time) override {}
  void on_message(session::Session& s, std::uint8_t, std::uint8_t type, std::span<const std::byte>,
                  session::Time now) override;
  void on_closed(session::Session&, const End&, session::Time) override {}
  void on_peer_added(peers::Peer&) override {}
  void on_peer_removed(peers::Peer&, const End&) override {}

  const config::Config& config_;
  std::string world_address_;
  std::unique_ptr<peers::PeerHost> host_;
};

}  // namespace gs::test
