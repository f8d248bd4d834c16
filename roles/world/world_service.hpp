#pragma once
// The world's logic, apart from sockets: admits a client only after its login token
// verifies (the token is the client's pre-auth data), seats it as a player, announces
// joins and leaves on lane 0, and hands the play to the game module (lanes 1..4,
// world_game.cpp). The same account joining again replaces its older session.
// Every message a player sends passes its rate limit (world/rate_limit.hpp) first:
// over it the message is dropped and counted, and a player who keeps going over it
// is kicked ("rate_limited"). A player whose path broke keeps its seat for the resume
// grace and takes it back with its resume ticket (world_resume.cpp; docs/PROTOCOL.md,
// "Resuming a session").

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/result.hpp"
#include "crypto/resume_ticket.hpp"
#include "crypto/token.hpp"
#include "game/game_host.hpp"
#include "protocol/messages.hpp"
#include "roles/world/rate_limit.hpp"
#include "roles/world/replay_log.hpp"
#include "session/session.hpp"

namespace gs::roles {

// Why a resume is refused, in the order the world checks (docs/PROTOCOL.md, "Resuming a
// session"): crypto::ResumeError's names, then the world's own. Metrics list every one.
inline constexpr const char* kResumeRefusals[] = {"malformed", "bad_mac",     "wrong_world", "expired",
                                                  "no_seat",   "ticket_used", "backlog"};

struct WorldStats {
  std::uint64_t joined = 0;
  std::uint64_t left = 0;
  std::uint64_t replaced = 0;
  std::uint64_t refused_full = 0;
  std::uint64_t tokens_rejected = 0;
  std::uint64_t malformed = 0;         // lane-0 messages from a player (it has none to send)
  std::uint64_t no_game = 0;           // game-lane messages while no game runs
  std::uint64_t rate_limited = 0;      // messages dropped over a player's rate limit
  std::uint64_t rate_limit_kicks = 0;  // players kicked for staying over it
  std::uint64_t ticks = 0;
  std::uint64_t suspended = 0;                           // players whose path broke, seat kept
  std::uint64_t resumed = 0;                             // ... that took it back
  std::uint64_t resume_timeouts = 0;                     // ... that did not within the grace
  std::map<std::string, std::uint64_t> resumes_refused;  // by reason (PROTOCOL.md's table)
};

// The game module (set_game) runs the world's play on lanes 1..4: it hears every join,
// suspension, resume, leave, message and tick (world_game.cpp) and acts on the players
// through GamePlayers. Without one players still join, leave and resume, and what they
// send on the game's lanes is dropped and counted (WorldStats::no_game).
class WorldService final : public session::SessionEvents, public game::GamePlayers {
 public:
  using Time = session::Time;
  struct Settings {
    std::string id = "world-1";
    std::string game = "gameserver";
    std::uint32_t capacity = 100;
    std::uint32_t tick_rate = 30;  // Hz
    RateLimitSettings rate_limit;
    std::chrono::seconds resume_grace{15};  // 0: no tickets, a broken path is a leave
    std::size_t resume_backlog = 1024;      // lane-0 messages kept per player
  };
  // Seconds since the Unix epoch: what resume tickets expire by.
  using WallClock = std::function<std::uint64_t()>;
  using VerifyToken =
      std::function<crypto::Result<crypto::TokenClaims, crypto::TokenError>(std::string_view token)>;

  WorldService(Settings settings, VerifyToken verify);
  // The game that plays on the players' lanes 1..4 (owned by the role, outliving this
  // service's use of it); null: none.
  void set_game(game::GameHost* game) { game_ = game; }
  // A player connection's traffic for the game (gs_host_api.player_stats); the role
  // reads it from the transport. False when unknown.
  using StatsSource = std::function<bool(session::Session&, gs_player_stats&)>;
  void set_stats_source(StatsSource source) { stats_source_ = std::move(source); }

  // game::GamePlayers: what the game does to players (arguments already checked).
  int send(std::uint32_t player, gs_lane lane, std::span<const std::byte> data) override;
  int broadcast(gs_lane lane, std::span<const std::byte> data, std::uint32_t except) override;
  int kick(std::uint32_t player, std::string_view reason) override;
  int stats(std::uint32_t player, gs_player_stats& out) override;

  // Tests set the clock tickets are issued and checked by; the system clock otherwise.
  void set_wall_clock(WallClock clock) { wall_clock_ = std::move(clock); }

  void add_client(session::Session& session, Time now);
  void remove_client(session::Session& session);

  // One world tick: resume timers, then the game's tick.
  void tick(Time now);
  std::chrono::microseconds tick_interval() const;

  std::uint32_t players() const { return static_cast<std::uint32_t>(players_.size()); }
  // Of those, the ones whose path broke and whose seat is kept for a resume.
  std::uint32_t suspended_players() const;
  const WorldStats& stats() const { return stats_; }

  // Seats for auth (protocol::SeatUpdate): `listener` hears every join (seated) and
  // leave; seats() lists the players seated now, for a link that just came up.
  using SeatListener = std::function<void(const protocol::SeatUpdate&)>;
  void set_seat_listener(SeatListener listener) { seat_listener_ = std::move(listener); }
  std::vector<protocol::SeatUpdate> seats() const;
  // Auth's word that the account's seat moved elsewhere: that player is replaced.
  // Ignored unless the player still holds the account's seat here.
  void unseat(const protocol::Unseat& unseat, Time now);

  void on_authenticating(session::Session& session, Time now) override;
  void on_auth_data(session::Session& session, std::span<const std::uint8_t> data, Time now) override;
  void on_connected(session::Session& session, Time now) override;
  void on_authentication_failed(session::Session& session, std::string_view reason, Time now) override;
  void on_message(session::Session& session, std::uint8_t lane, std::uint8_t type,
                  std::span<const std::byte> message, Time now) override;
  void on_closed(session::Session& session, const End& end, Time now) override;

 private:
  struct Client {
    session::Session* session = nullptr;
    std::string account;          // from the verified token
    std::uint64_t since = 0;      // the token's iat (seconds since the epoch), 0 if it had none
    std::string jti;              // the token's id
    std::uint32_t player_id = 0;  // 0 until joined, and again once it left
    bool admitted = false;        // verified, not yet joined: counted once in admitted_
    // A resume accepted in pre-auth: the seat it takes back once connected.
    std::uint32_t resume_of = 0;
    protocol::ResumeRequest resume_request;  // what it says it received
    crypto::ResumeNonce resume_nonce{};
  };
  struct Player {
    session::Session* session = nullptr;
    std::string account;
    std::uint64_t since = 0;  // of the token that took the seat (Client::since, jti)
    std::string jti;
    MessageRateLimit limit{RateLimitSettings{}, Time{}};
    ReplayLog replay{0};            // its lane-0 messages, for a resume
    ReplayLog replay_reliable{0};   // lane 1 (the game's reliable ordered)
    ReplayLog replay_unordered{0};  // lane 2: a message's number is its place here
    // The nonces of the two newest tickets issued: either takes the seat back once.
    std::vector<crypto::ResumeNonce> ticket_nonces;
    Time next_ticket = Time::max();      // when the ticket in hand is replaced
    Time suspended_until = Time::max();  // suspended (session null) until then
  };

  template <class M>
  void send(session::Session& to, std::uint8_t lane, const M& message);
  // Lane 0 to a player: numbered and kept for a resume, sent if it is connected.
  template <class M>
  void send(Player& to, const M& message);
  void send(Player& to, const SharedMessage& message);
  template <class M>
  void broadcast(const M& message, std::uint32_t except = 0);
  void leave(std::uint32_t player_id, const std::string& reason);
  // The account's newer session or seat wins: the player gets Kicked ("replaced"), the
  // others PlayerLeft ("replaced"), and its session closes.
  void replace(std::uint32_t player_id, Time now);
  protocol::SeatUpdate seat_of(std::uint32_t player_id, const Player& player, bool seated) const;
  // Tells the session why, takes its player out and closes it (the goodbye flushed).
  void kick(Client& client, const std::string& reason, Time now);
  // Leaves the admitted count, once.
  void unadmit(Client& client);
  Player& seat(Client& client, Time now);

  // Resuming (world_resume.cpp).
  void resume_auth(Client& client, std::span<const std::uint8_t> data, Time now);
  void refuse_resume(session::Session& session, const std::string& reason, Time now);
  // The resumed connection is up: the seat moves to it, the missed messages follow.
  void complete_resume(Client& client, Time now);
  // Whether this world keeps seats for resumes at all (world.resume_grace > 0).
  bool resumes() const { return settings_.resume_grace.count() > 0; }
  // Whether `nonce` is one of the two tickets the player holds unused.
  static bool holds_ticket(const Player& player, const crypto::ResumeNonce& nonce);
  // True when the player's path broke (a timeout, a transport failure), not a goodbye.
  bool suspends(const End& end) const;
  void suspend(std::uint32_t player_id, Time now);
  void issue_ticket(std::uint32_t player_id, Player& player, Time now);
  // Tickets due again; suspended players whose grace ran out leave ("timeout").
  void resume_timers(Time now);
  // Whether every reliable message the request says is missing is still kept.
  bool can_replay(const Player& player, const protocol::ResumeRequest& request) const;
  void replay(Player& player, const protocol::ResumeRequest& request);

  // The game (world_game.cpp).
  // The copy a reliable lane keeps for resumes (shared by a broadcast), or null.
  SharedMessage kept_copy(gs_lane lane, std::span<const std::byte> data) const;
  int send_game(Player& player, gs_lane lane, std::span<const std::byte> data, const SharedMessage& kept);
  // A lane-2 message as it travels: its number (u32 little-endian), then the game's bytes.
  void send_numbered(session::Session& to, std::uint32_t number, std::span<const std::byte> data);
  // Kicks the game asked for, done once its callback has returned.
  void run_game_kicks(Time now);
  void game_message(std::uint32_t player_id, std::uint8_t lane, std::span<const std::byte> message, Time now);
  void game_tick(Time now);
  void game_left(std::uint32_t player_id, const std::string& reason);

  Settings settings_;
  VerifyToken verify_;
  std::unordered_map<session::Session*, Client> clients_;
  std::map<std::uint32_t, Player> players_;
  std::unordered_map<std::string, std::uint32_t> by_account_;
  std::uint32_t next_player_id_ = 1;
  std::uint32_t admitted_ = 0;  // verified, not yet joined: they count against capacity
  WorldStats stats_;
  SeatListener seat_listener_;
  std::vector<std::byte> scratch_;
  crypto::ResumeTickets tickets_;
  WallClock wall_clock_;
  game::GameHost* game_ = nullptr;
  StatsSource stats_source_;
  std::vector<std::pair<std::uint32_t, std::string>> game_kicks_;
  std::vector<std::byte> numbered_;  // a lane-2 message with its number in front
};

}  // namespace gs::roles
