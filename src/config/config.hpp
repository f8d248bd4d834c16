#pragma once
// The typed configuration. YAML is read once (config/load.hpp) into these
// structs; no role ever holds a YAML node. Every member carries its default here,
// and its unit and range where it is read (config/schema.hpp); members read with a
// layer's Knob take default, unit and range from it. The README's config reference
// lists the same keys (tests/config/knob_docs_test.cpp holds it to them).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "channel/config.hpp"
#include "common/log.hpp"
#include "common/units.hpp"
#include "config/game_setting.hpp"
#include "dtls/knobs.hpp"
#include "peers/knobs.hpp"
#include "session/knobs.hpp"

namespace gs::config {

using std::chrono::microseconds;
using namespace std::chrono_literals;

struct LogConfig {
  spdlog::level::level_enum level = spdlog::level::info;
  LogFormat format = LogFormat::text;
};

// Admin HTTP endpoint (metrics, health). Loopback by default: never expose it.
struct AdminConfig {
  Endpoint listen{"127.0.0.1", 9100};
};

struct WorkerConfig {
  unsigned threads = 0;  // 0 = one per hardware thread
};

// The event loop every role of the process runs on.
struct EventLoopConfig {
  static constexpr microseconds busy_poll_max = 1ms;
  // Longest time the loop keeps polling for the next datagram before it sleeps,
  // 0..1ms; 0 = never poll. It adapts down to zero when traffic is sparse
  // (common/busy_poll_window.hpp).
  microseconds busy_poll = 50us;
};

// How the channel's sender serves one lane (channel/config.hpp, LaneConfig): lower
// priority first, lanes of equal priority shared by weight. Local only: the peer's
// scheduling is its own.
struct LaneSettings {
  unsigned priority = channel::knobs::lane_priority.def;
  unsigned weight = channel::knobs::lane_weight.def;
};

// The lanes every connection has (protocol::Lane): the server's control lane and the
// game's four.
struct LanesSettings {
  LaneSettings control;
  LaneSettings reliable;
  LaneSettings unordered;
  // The unreliable lanes (snapshots, positions) wait for the reliable ones when the send
  // window is short.
  LaneSettings sequenced{1, channel::knobs::lane_weight.def};
  LaneSettings unreliable{1, channel::knobs::lane_weight.def};
};

// Settings of the reliable-UDP channel shared by every connection. Each takes its
// default from the knob it is read with (config/schema.hpp), where its unit and
// range are declared: channel/config.hpp, peers/knobs.hpp.
struct ChannelSettings {
  std::uint64_t max_datagram = channel::knobs::max_datagram.def;
  std::uint64_t max_message = channel::knobs::max_message.def;
  microseconds keepalive = channel::knobs::keepalive_interval.def;
  microseconds timeout = channel::knobs::timeout.def;
  // The channel timeout of links between roles (a gateway's or world's link to auth).
  microseconds link_timeout = peers::knobs::link_timeout.def;
  microseconds min_rto = channel::knobs::min_rto.def;
  microseconds initial_rtt = channel::knobs::initial_rtt.def;
  microseconds max_ack_delay = channel::knobs::max_ack_delay.def;
  // Per connection; raised to max_message if below it.
  std::uint64_t reassembly_cap = channel::knobs::reassembly_cap.def;
  // Heap all connections of one listener (or one role's links) may hold for messages
  // still being reassembled or waiting for an earlier one; raised to the per-connection
  // cap if below it.
  std::uint64_t reassembly_total = channel::knobs::reassembly_total.def;
  // Per connection; raised to max_message if below it.
  std::uint64_t send_queue_cap = channel::knobs::send_queue_cap.def;
  std::uint64_t max_send_rate = channel::knobs::max_send_rate.def;  // 0 = unlimited
  microseconds fragment_timeout = channel::knobs::fragment_timeout.def;
  LanesSettings lanes;
};

// Limits per source host (an IPv4 address, an IPv6 /64) on every listener (gateway,
// world, auth): one host on many ports must not take every slot and lock out players
// and role links.
struct PerSourceConfig {
  // DTLS handshakes under way (dtls/knobs.hpp).
  unsigned max_half_open = dtls::knobs::max_half_open_per_source.def;
  // Connections whose session has not authenticated (peers/knobs.hpp).
  unsigned max_unauthenticated = peers::knobs::max_unauthenticated_per_source.def;
};

// DTLS certificates of this process, and the limits of its listeners' DTLS servers.
// Paths are relative to the config file; only the paths are reloadable.
struct TlsConfig {
  std::filesystem::path certificate = "keys/dtls.crt";  // this process's certificate (PEM)
  std::filesystem::path private_key = "keys/dtls.key";  // its private key (PEM, mode 0600)
  // Certificates trusted when this process connects to another role: the peer's
  // certificate itself (pinned) or a CA bundle.
  std::filesystem::path trust = "keys/dtls.crt";
  // The name (DNS name or IP address) a CA-issued certificate of auth must carry on
  // the links to it, 0..253 chars; empty = the host of each `gateway.auth` /
  // `world.auth` entry. Certificates in the trust file itself are pinned: no name.
  std::string server_name{};
  // Each listener's DTLS server (dtls/knobs.hpp).
  unsigned max_half_open = dtls::knobs::max_half_open.def;
  microseconds handshake_timeout = dtls::knobs::handshake_timeout.def;
  microseconds cookie_rotation = dtls::knobs::cookie_rotation.def;
  microseconds retransmit_initial = dtls::knobs::retransmit_initial.def;
  microseconds retransmit_max = dtls::knobs::retransmit_max.def;
};

// Sessions on every connection (session/knobs.hpp).
struct SessionSettings {
  microseconds auth_timeout = session::knobs::auth_timeout.def;
  unsigned max_bad_messages = session::knobs::max_bad_messages.def;
};

// A role allowed to link to auth, with the secret it must prove it knows.
struct LinkPeer {
  std::string role;              // gateway or world
  std::string id;                // its configured id
  std::filesystem::path secret;  // at least 32 bytes, mode 0600
};

// Where auth keeps accounts: an SQLite file, or PostgreSQL shared by several auth processes.
enum class AccountBackend { sqlite, postgres };

// The PostgreSQL account store (auth.account_store: postgres).
struct PostgresConfig {
  // libpq connection string, key=value or postgresql:// URI; empty = libpq's defaults
  // and PG* environment variables. Holds no password: see password_file.
  std::string conninfo;
  // A file holding only the password (mode 0600); empty = libpq's own sources
  // (PGPASSFILE, ~/.pgpass, passfile= in the conninfo).
  std::filesystem::path password_file;
};

struct AuthConfig {
  Endpoint listen{"127.0.0.1", 7100};
  AccountBackend account_store = AccountBackend::sqlite;
  std::filesystem::path database = "data/accounts.db";  // the SQLite file; relative to the config file
  PostgresConfig postgres;
  std::string id = "auth-1";                           // the token issuer (iss); 1..64 chars
  std::filesystem::path token_key = "keys/token.key";  // Ed25519 PKCS#8 PEM, mode 0600
  microseconds token_ttl = 30s;                 // login token lifetime, 1s..crypto::max_token_lifetime (10m)
  unsigned password_ops_limit = 2;              // Argon2id passes, 1..16 (OWASP: 2)
  std::uint64_t password_memory = 19ULL << 20;  // Argon2id memory, 8KiB..1GiB (OWASP: 19MiB)
  // Login throttling and fairness (docs/SECURITY.md): failures within failure_window.
  unsigned max_failures_per_account = 5;          // of one account from one address group, 1..1000
  unsigned max_failures_per_account_total = 100;  // of one account from all groups, 1..100000
  unsigned max_failures_per_address = 20;         // from one address group, 1..100000
  microseconds failure_window = 5min;             // sliding window, 1s..24h
  // A group the account logged in from is exempt from the _total ceiling this long, 1h..8760h.
  microseconds known_address_ttl = 720h;
  unsigned throttle_prefix_v4 = 32;     // bits of an IPv4 address naming its group, 8..32
  unsigned throttle_prefix_v6 = 64;     // bits of an IPv6 address naming its group, 16..128
  unsigned max_hashes_in_flight = 4;    // concurrent password checks, 1..256 (each holds password_memory)
  unsigned max_hashes_per_address = 1;  // of them for one address group, 1..256
  unsigned max_hashes_per_gateway = 0;  // of them for one gateway link, 0..256; 0 = no own limit
  microseconds world_timeout = 10s;     // a world silent this long leaves the selection, 1s..10m
  // Gateways and worlds allowed to link, each with its secret.
  std::vector<LinkPeer> peers{{"gateway", "gateway-1", "keys/gateway-auth.secret"},
                              {"world", "world-1", "keys/world-auth.secret"}};
};

struct GatewayConfig {
  std::string id = "gateway-1";  // how auth knows this gateway; 1..64 chars
  Endpoint listen{"127.0.0.1", 7000};
  // Where auth servers listen, in order of preference: logins go to the first one
  // whose link is up (failover). One address or a list of 1..8.
  std::vector<Endpoint> auth{{"127.0.0.1", 7100}};
  std::filesystem::path auth_secret = "keys/gateway-auth.secret";  // the link secret shared with auth
  unsigned max_clients = dtls::knobs::max_peers.def;  // the DTLS server's max_peers (dtls/knobs.hpp)
  unsigned max_clients_per_address = 16;              // 1..100000
  microseconds login_timeout = 10s;  // a client that has not logged in by then is dropped, 1s..10m
};

// How fast one player may send, all lanes together (roles/world/rate_limit.hpp).
struct WorldRateLimitConfig {
  unsigned input_per_s = 250;      // messages a second, sustained, 1..10000
  unsigned input_burst = 250;      // at once, 1..100000
  unsigned kick_drops = 100;       // more drops than this within kick_window kick the player, 1..1000000
  microseconds kick_window = 10s;  // 1s..10m
};

// The game the world runs (include/gameserver/game.h, docs/GAMES.md).
struct WorldGameConfig {
  // The game module (a shared library), relative to the config file; empty: no game,
  // players join and nothing else happens.
  std::filesystem::path module;
  std::vector<GameSetting> settings;  // world.game.settings, flattened (config/game_settings.hpp)
};

struct WorldConfig {
  std::string id = "world-1";  // the token audience; 1..64 chars
  Endpoint listen{"127.0.0.1", 7200};
  Endpoint public_address{"127.0.0.1", 7200};  // what clients are told
  // Auth servers; the world reports to every one, so each can send players here.
  std::vector<Endpoint> auth{{"127.0.0.1", 7100}};
  std::filesystem::path auth_secret = "keys/world-auth.secret";  // the link secret shared with auth
  // Public keys that may sign login tokens (Ed25519 SPKI PEM); several during a rotation.
  std::vector<std::filesystem::path> token_keys{"keys/token.pub"};
  microseconds token_leeway = 5s;  // clock skew allowed on exp/nbf, 0..60s
  // The auth ids (auth.id) whose tokens are accepted: a token's iss must be one of
  // them. 1..8 names; list every auth server the world links to.
  std::vector<std::string> token_issuers{"auth-1"};
  unsigned capacity = 100;            // players, 1..100000
  unsigned tick_rate = 30;            // Hz, 1..240
  microseconds report_interval = 2s;  // how often the world reports its load to auth, 100ms..60s
  // How long a player whose path broke keeps its seat for a resume (0: no resumes), 0..10m.
  microseconds resume_grace = 15s;
  // Reliable messages kept per player to send again after a resume, 16..65536.
  unsigned resume_backlog = 1024;
  WorldRateLimitConfig rate_limit;
  WorldGameConfig game;
};

struct Config {
  std::filesystem::path file;  // empty when built from defaults only
  std::vector<std::string> roles;
  std::string game = "gameserver";  // game id clients must present; 1..64 chars
  // Creates missing keys, secrets and the account database at start (never in production).
  bool development = false;
  LogConfig log;
  AdminConfig admin;
  WorkerConfig workers;
  EventLoopConfig event_loop;
  TlsConfig tls;
  ChannelSettings channel;
  PerSourceConfig per_source;
  SessionSettings session;
  AuthConfig auth;
  GatewayConfig gateway;
  WorldConfig world;
};

}  // namespace gs::config
