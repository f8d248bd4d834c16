#pragma once
// The client library: the whole player flow on an asio event loop. Connect to a
// gateway with its certificate checked, log in, connect to the world named in the
// answer with the token as pre-auth data, then exchange the game's messages and hear
// the world's events. The CLI, the bots and the tests all use it.
//
// Game messages (docs/PROTOCOL.md, "Lanes"): lanes 1..4 carry the game's bytes as they
// are, both ways (Client::send, ClientEvents::message); the world puts a number before
// each message it sends on lane 2, which the client strips. The arena's input, chat and
// snapshots (games/arena: send_input, send_chat, ClientEvents::snapshot/chat) are a thin
// layer beside them: Input and Snapshot ride lane 3, Chat and ChatEvent lane 1, each
// with its type byte; they mean something only in a world that runs the arena.
//
// Resuming (docs/PROTOCOL.md, "Resuming a session"): in the world, the client keeps the
// latest ResumeTicket and counts the world's lane-0 and lane-1 messages, and the numbers
// of its lane-2 messages (the lowest not yet received and the ones received above it).
// When the path breaks
// (nothing received for ClientOptions::resume_after, or the connection timed out or
// failed), it drops the old connection without a word and reconnects to the same world
// from a new socket with a ResumeRequest instead of the token, backing off between
// attempts, until the world takes it back (`resumed`), refuses it or the ticket's grace
// has passed (`disconnected`, "resume_refused: <reason>" or "resume_timeout"). A break
// while more lane-2 numbers above the lowest missing one are held than a request can
// carry (protocol::max_unordered_above, and the whole request within
// session::max_auth_data) cannot be told to the world: the client reports `disconnected`
// ("resume_refused: backlog") at once, without trying.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <asio/io_context.hpp>

#include "peers/peer_host.hpp"
#include "protocol/messages.hpp"

namespace gs::client {

struct ClientOptions {
  Endpoint gateway{"127.0.0.1", 7000};
  std::filesystem::path trust;  // the server certificate (pinned) or CA bundle; required unless insecure
  // The name (DNS name or IP address) a CA-issued gateway certificate must carry; empty:
  // the host of `gateway`. A world's certificate must carry the host of the world
  // address the gateway hands out. Certificates in `trust` itself are pinned: no name.
  std::string server_name;
  bool insecure = false;  // no certificate check: only for testing
  std::string game = "gameserver";
  config::ChannelSettings channel;
  std::chrono::milliseconds timeout{10'000};  // per stage: connecting, logging in, joining
  // Impairs every datagram the client sends (net::UdpOptions::impairment): tests and
  // `gameserver bench` only. Inactive by default.
  impair::Settings impairment{};
  std::uint64_t impairment_seed = 1;
  // In the world, nothing received from it for this long means the path broke, and the
  // client resumes if it holds a resume ticket (0: only a timed-out or failed connection
  // counts as broken). A quiet but healthy link never stays silent that long: the world
  // connection PINGs after a quarter of it without sending (the channel keepalive,
  // lowered to resume_after / 4 if it is longer), and the world ACKs each PING at once,
  // so only a round trip above about three quarters of resume_after looks broken.
  // At least 40 ms.
  std::chrono::milliseconds resume_after{1000};
};

// Where a flow ended and why.
enum class Outcome {
  joined,        // logged in and in the world
  login_failed,  // the gateway answered no: see reason (bad_credentials, throttled, ...)
  unreachable,   // no DTLS connection to the gateway or world in time
  certificate,   // the server's certificate was not trusted
  refused,       // a server refused our pre-auth data (version, game, token)
  disconnected,  // the connection dropped mid-flow
  timeout,       // a stage took longer than ClientOptions::timeout
};
std::string_view to_string(Outcome outcome);

struct FlowResult {
  Outcome outcome = Outcome::unreachable;
  std::string reason;  // the server's reason, or what went wrong
  std::string world_id;
  std::string world_address;
  std::uint32_t player_id = 0;
  double login_ms = 0;  // connect + login at the gateway
  double join_ms = 0;   // connect + admission at the world
};

// Counters of the world connection: channel datagrams (DTLS adds 29 bytes to each,
// UDP/IP 28 more). All zero before joining.
struct TrafficStats {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
};

// Resumes since joining.
struct ResumeStats {
  std::uint64_t resumes = 0;  // the world took the seat back
  double max_ms = 0;          // the longest, from the break noticed to resumed
};

// Game messages from the world that were not delivered, since joining.
struct MessageStats {
  std::uint64_t short_unordered = 0;      // lane 2, under the 4 bytes of its number
  std::uint64_t duplicate_unordered = 0;  // lane 2, a number already delivered
  std::uint64_t dropped_before_join = 0;  // game messages before the Welcome, beyond what is held
};

struct ClientEvents {
  // A world message on a game lane (1..4) while in the world, the game's bytes as they
  // are (on lane 2 without the world's number); empty ones too. Valid during the call.
  // The arena's snapshots and chat come here as well as to `snapshot` and `chat`.
  std::function<void(std::uint8_t lane, std::span<const std::byte> data)> message;
  // The arena's snapshot: a lane-3 message that decodes as protocol::Snapshot.
  std::function<void(const protocol::Snapshot&)> snapshot;
  // The arena's chat line: a lane-1 message that decodes as protocol::ChatEvent.
  std::function<void(const protocol::ChatEvent&)> chat;
  std::function<void(const protocol::PlayerJoined&)> joined;
  std::function<void(const protocol::PlayerLeft&)> left;
  // The world connection ended after joining (kicked with a reason, or dropped, or a
  // resume that failed: "resume_refused: <the world's reason>", "resume_timeout").
  std::function<void(std::string_view reason)> disconnected;
  // The path to the world broke; attempt 1, 2, ... to resume is starting. Input and
  // chat are refused until `resumed`.
  std::function<void(std::uint32_t attempt)> reconnecting;
  // The world took us back (same player id); `ms` from the break noticed. The reliable
  // messages missed meanwhile follow through the other events (lanes 0 and 1 in order,
  // each lane-2 message once).
  std::function<void(double ms)> resumed;
  // Another player's path broke (suspended) or it came back (active).
  std::function<void(const protocol::PlayerStatus&)> status;
};

class Client {
 public:
  // Throws std::invalid_argument when options.game is empty or longer than protocol::max_name.
  Client(asio::io_context& io, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Logs in as `user` and joins the world; `done` runs once, on the loop. The
  // password is wiped once sent. Fields the wire cannot carry (see
  // login_fields_error) end the flow at once as login_failed, "invalid_argument".
  void login_and_join(std::string user, std::string password, std::function<void(const FlowResult&)> done,
                      std::string world = "");

  // What is wrong with a login's fields for the wire, or nullopt: an empty or
  // over-long user (protocol::max_name), an over-long password (max_password) or world.
  static std::optional<std::string> login_fields_error(std::string_view user, std::string_view password,
                                                       std::string_view world);

  // Joins a world directly with a token obtained earlier (a reconnect, or a token
  // issued by other means); `world_address` is "host:port".
  void join_world(std::string token, std::string world_address, std::function<void(const FlowResult&)> done);

  void set_events(ClientEvents events);
  // ClientOptions::server_name, for a login not yet started.
  void set_server_name(std::string name);
  // Joined, and not reconnecting.
  bool in_world() const;
  // Joined, the path broke and a resume is under way.
  bool reconnecting() const;
  // A game message on lane 1..4 (gs_lane), any bytes up to GS_GAME_MAX_MESSAGE, empty
  // ones too. False on another lane, over the limit, unless in the world (reconnecting
  // included), or when the connection refused it (its queue is full).
  bool send(std::uint8_t lane, std::span<const std::byte> data);
  // The arena's movement: an Input on lane 3.
  bool send_input(std::int32_t move_x, std::int32_t move_y);
  // The arena's chat: a Chat on lane 1. False unless in the world, or when the text is
  // empty or longer than protocol::max_chat.
  bool send_chat(std::string_view text);
  // Smoothed round-trip time to the world, milliseconds (0 before the first sample).
  double rtt_ms() const;
  // The current world connection's counters (a resume starts a new connection).
  TrafficStats world_traffic() const;
  ResumeStats resume_stats() const;
  MessageStats message_stats() const;
  // Stops whatever is under way: a login not yet answered never goes out (or its
  // answer is ignored), no world is joined, and `done` is not called. In the world,
  // leaves gracefully (queued chat is delivered first); reconnecting, the attempt is
  // dropped and no other starts. No event follows.
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gs::client
