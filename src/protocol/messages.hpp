#pragma once
// The roles' messages, shared by gateway, auth, world and the client library.
// Encoding: session/codec.hpp (type byte, then little-endian fields). Type ids
// below 0x10 belong to the session layer. The wire layout of each is listed in
// docs/PROTOCOL.md, part "Messages".

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "session/codec.hpp"

namespace gs::protocol {

// Lanes every connection is configured with (channel lane kinds in parentheses). Lane 0
// is the server's; 1..4 are the game's (include/gameserver/game.h, gs_lane) and carry the
// game's bytes as they are.
enum Lane : std::uint8_t {
  lane_control = 0,     // (reliable ordered) session control, login, joins and leaves, resume
  lane_reliable = 1,    // (reliable ordered) the game's: the arena's chat
  lane_unordered = 2,   // (reliable unordered) the game's
  lane_sequenced = 3,   // (unreliable sequenced) the game's: the arena's input and snapshots
  lane_unreliable = 4,  // (unreliable) the game's
};
inline constexpr std::uint8_t lane_count = 5;

// 2: five lanes (the game's four beside the control lane).
// 3: the Welcome has no map size (the map is the game's).
inline constexpr std::uint16_t protocol_version = 3;

inline constexpr std::size_t max_name = 64;        // ids, account names (bytes)
inline constexpr std::size_t max_password = 1024;  // bytes
inline constexpr std::size_t max_reason = 32;
inline constexpr std::size_t max_token = 2048;
inline constexpr std::size_t max_address = 128;
inline constexpr std::size_t max_chat = 256;

// Login results, as `reason` strings on the wire.
namespace reason {
inline constexpr const char* bad_credentials = "bad_credentials";
inline constexpr const char* throttled = "throttled";
inline constexpr const char* disabled = "disabled";
inline constexpr const char* no_world = "no_world";
inline constexpr const char* busy = "busy";
inline constexpr const char* internal = "internal";
inline constexpr const char* unavailable = "unavailable";  // the gateway has no auth link
inline constexpr const char* bad_request = "bad_request";  // a second or malformed request
}  // namespace reason

// Client -> gateway pre-auth data: which game and protocol the client speaks.
struct ClientHello {
  static constexpr std::uint8_t type = 0x10;
  std::uint16_t version = protocol_version;
  std::string game;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u16(m.version);
    io.str(m.game, max_name);
  }
};

// Server -> client pre-auth data (gateway and world): what the server speaks.
struct ServerHello {
  static constexpr std::uint8_t type = 0x13;
  std::uint16_t version = protocol_version;
  std::string game;
  std::string role;  // "gateway" or "world"
  std::string id;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u16(m.version);
    io.str(m.game, max_name);
    io.str(m.role, max_name);
    io.str(m.id, max_name);
  }
};

// Client -> gateway.
struct LoginRequest {
  static constexpr std::uint8_t type = 0x11;
  std::string user;
  std::string password;
  std::string world;  // preferred world id, may be empty
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.user, max_name);
    io.str(m.password, max_password);
    io.str(m.world, max_name);
  }
};

// Gateway -> client; the gateway closes after it is delivered.
struct LoginResponse {
  static constexpr std::uint8_t type = 0x12;
  bool ok = false;
  std::string reason;
  std::string token;
  std::string world_id;
  std::string world_address;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.boolean(m.ok);
    io.str(m.reason, max_reason);
    io.str(m.token, max_token);
    io.str(m.world_id, max_name);
    io.str(m.world_address, max_address);
  }
};

// Gateway -> auth.
struct Authenticate {
  static constexpr std::uint8_t type = 0x20;
  std::uint32_t request_id = 0;
  std::uint64_t player_id = 0;  // the gateway's id for the client connection
  std::string user;
  std::string password;
  std::string client_address;
  std::string world;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.request_id);
    io.u64(m.player_id);
    io.str(m.user, max_name);
    io.str(m.password, max_password);
    io.str(m.client_address, max_address);
    io.str(m.world, max_name);
  }
};

// Auth -> gateway.
struct AuthResult {
  static constexpr std::uint8_t type = 0x21;
  std::uint32_t request_id = 0;
  std::uint64_t player_id = 0;
  bool ok = false;
  std::string reason;
  std::string token;
  std::string world_id;
  std::string world_address;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.request_id);
    io.u64(m.player_id);
    io.boolean(m.ok);
    io.str(m.reason, max_reason);
    io.str(m.token, max_token);
    io.str(m.world_id, max_name);
    io.str(m.world_address, max_address);
  }
};

// World -> auth, every report_interval.
struct WorldReport {
  static constexpr std::uint8_t type = 0x22;
  std::string id;
  std::string address;
  std::uint32_t capacity = 0;
  std::uint32_t players = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.id, max_name);
    io.str(m.address, max_address);
    io.u32(m.capacity);
    io.u32(m.players);
  }
};

// World -> auth, to every auth link: `account` took a seat in this world (seated) or
// left it. Sent on every join and leave, and for every seated player when a link comes
// up. `since` and `jti` are the iat and jti of the token that took the seat: every auth
// server orders two seats of one account by them (roles/auth/seat_map.hpp).
struct SeatUpdate {
  static constexpr std::uint8_t type = 0x23;
  std::string account;
  std::uint32_t player_id = 0;
  bool seated = false;
  std::uint64_t since = 0;  // seconds since the epoch
  std::string jti;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.account, max_name);
    io.u32(m.player_id);
    io.boolean(m.seated);
    io.u64(m.since);
    io.str(m.jti, max_name);
  }
};

// Auth -> world: give up `account`'s seat held by `player_id` (the account logged in
// again for another world, or another world holds a newer seat). The world kicks that
// player with `reason` and reports the seat released; a seat the world no longer holds
// for that player is left alone.
struct Unseat {
  static constexpr std::uint8_t type = 0x24;
  std::string account;
  std::uint32_t player_id = 0;
  std::string reason;  // "replaced"
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.account, max_name);
    io.u32(m.player_id);
    io.str(m.reason, max_reason);
  }
};

// --- world <-> client ---
// The client's pre-auth data for a world is its login token (raw bytes of the JWS,
// which begin with 'e'), or a ResumeRequest (first byte 0x01) to take back a seat.

inline constexpr std::size_t max_resume_ticket = 256;

// 900 numbers keep a ResumeRequest with the longest ticket within the 4,096 bytes of pre-auth data.
inline constexpr std::size_t max_unordered_above = 900;

// The number the world puts before each message it sends a player on lane_unordered
// (u32, little-endian, counting from 1 per player): what lets a resume send again exactly
// the ones the client lacks. The client library strips it; the game never sees it.
struct MessageNumber {
  std::uint32_t n = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.n);
  }
};

// A lane-2 message as it travels from the world: its number, then the game's bytes.
inline void write_numbered(std::vector<std::byte>& out, std::uint32_t number,
                           std::span<const std::byte> data) {
  out.clear();
  session::Writer writer(out);
  const MessageNumber header{number};
  MessageNumber::fields(writer, header);
  out.insert(out.end(), data.begin(), data.end());
}
struct Numbered {
  std::uint32_t number = 0;
  std::span<const std::byte> data;  // the game's bytes, within the message read
};
// The number and the game's bytes of a lane-2 message; nullopt when it is shorter than
// its number.
inline std::optional<Numbered> read_numbered(std::span<const std::byte> message) {
  constexpr std::size_t size = sizeof(std::uint32_t);
  if (message.size() < size) return std::nullopt;
  auto number = session::decode_fields<MessageNumber>(message.first(size));
  return Numbered{number->n, message.subspan(size)};
}

// Client -> world pre-auth data (AuthData, never sent as a role message): take back the
// seat a resume ticket names, saying what the client received from the world since its
// Welcome, per reliable lane (docs/PROTOCOL.md, "Resuming a session"): the world sends
// what the client lacks before anything else.
struct ResumeRequest {
  static constexpr std::uint8_t type = 0x01;
  std::uint32_t received = 0;           // lane_control messages (the Welcome is 1; ResumeTickets not counted)
  std::uint32_t received_reliable = 0;  // lane_reliable messages
  std::uint32_t unordered_below = 1;    // lane_unordered: every number below this one was received
  std::vector<MessageNumber> unordered_above;  // ... and these, above it
  std::vector<std::uint8_t> ticket;            // as the world sent it (crypto/resume_ticket.hpp)
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.received);
    io.u32(m.received_reliable);
    io.u32(m.unordered_below);
    io.list(m.unordered_above, max_unordered_above);
    io.bytes(m.ticket, max_resume_ticket);
  }
};

// World -> client once joined.
struct Welcome {
  static constexpr std::uint8_t type = 0x30;
  std::uint32_t player_id = 0;
  std::string world_id;
  std::string account;
  std::uint16_t tick_rate = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.player_id);
    io.str(m.world_id, max_name);
    io.str(m.account, max_name);
    io.u16(m.tick_rate);
  }
};

// The arena's messages (games/arena), on the game's lanes: the world passes them to the
// module as bytes and never decodes them. They are here for the client library's arena
// helpers (send_input, send_chat, snapshot and chat events); the module has its own
// copy without gameserver's codec (games/arena/arena_protocol.hpp), and
// tests/game/arena_test.cpp holds the two to the same bytes.

// Client -> arena on lane_sequenced: the direction the player wants to move, each axis
// -100..100 percent of full speed. Newer sequence numbers replace older ones.
struct Input {
  static constexpr std::uint8_t type = 0x31;
  std::uint32_t sequence = 0;
  std::int32_t move_x = 0;
  std::int32_t move_y = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.sequence);
    io.i32(m.move_x);
    io.i32(m.move_y);
  }
};

struct SnapshotEntry {
  std::uint32_t player_id = 0;
  std::int32_t x = 0;  // millimetres
  std::int32_t y = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.player_id);
    io.i32(m.x);
    io.i32(m.y);
  }
};

inline constexpr std::size_t max_snapshot_entries = 64;

// Arena -> client on lane_sequenced every tick: the players within the interest radius.
struct Snapshot {
  static constexpr std::uint8_t type = 0x32;
  std::uint32_t tick = 0;
  std::vector<SnapshotEntry> players;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.tick);
    io.list(m.players, max_snapshot_entries);
  }
};

// Client -> arena on lane_reliable.
struct Chat {
  static constexpr std::uint8_t type = 0x33;
  std::string text;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.text, max_chat);
  }
};

// Arena -> every client on lane_reliable.
struct ChatEvent {
  static constexpr std::uint8_t type = 0x34;
  std::uint32_t player_id = 0;
  std::string account;
  std::string text;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.player_id);
    io.str(m.account, max_name);
    io.str(m.text, max_chat);
  }
};

struct PlayerJoined {
  static constexpr std::uint8_t type = 0x35;
  std::uint32_t player_id = 0;
  std::string account;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.player_id);
    io.str(m.account, max_name);
  }
};

struct PlayerLeft {
  static constexpr std::uint8_t type = 0x36;
  std::uint32_t player_id = 0;
  std::string reason;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.player_id);
    io.str(m.reason, max_reason);
  }
};

// World -> client before the world closes the connection: why.
struct Kicked {
  static constexpr std::uint8_t type = 0x37;
  std::string reason;  // "replaced", "shutdown"
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.reason, max_reason);
  }
};

// World -> client on lane_control after the Welcome and after every resume, and again
// before the one in hand expires: the ticket that takes the seat back if the path
// breaks, and how long the world keeps the seat of a player whose path broke.
struct ResumeTicket {
  static constexpr std::uint8_t type = 0x38;
  std::vector<std::uint8_t> ticket;
  std::uint32_t grace_ms = 0;
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.bytes(m.ticket, max_resume_ticket);
    io.u32(m.grace_ms);
  }
};

// World -> every other client: a player's path broke and the world keeps its seat
// (suspended), or it came back (active). A suspended player that does not come back
// within the grace gets PlayerLeft ("timeout").
enum class PlayerState : std::uint8_t { active = 0, suspended = 1 };
struct PlayerStatus {
  static constexpr std::uint8_t type = 0x39;
  std::uint32_t player_id = 0;
  std::uint8_t state = 0;  // a PlayerState; other values are refused by the client
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.u32(m.player_id);
    io.u8(m.state);
  }
};

}  // namespace gs::protocol
