/* The gameserver client library for C, game engines and other languages.
 *
 * `meson install` puts this header at <gameserver/client.h> and the shared library
 * libgameserver_client.so in place; `pkg-config --cflags --libs gameserver-client` gives
 * what to compile and link with (the library carries its own dependencies). C99 or later,
 * or C++.
 *
 * One handle is one player: it connects to a gateway (checking the server's
 * certificate), logs in, connects to the world named in the answer with the login
 * token, then exchanges the game's messages (gs_client_send, on_message) and reports the
 * world's events (players joining, leaving, away and back). For the arena (games/arena,
 * the game etc/gameserver.yaml runs) it also sends movement and chat and reports
 * snapshots and chat lines.
 *
 * Game messages: lanes 1..4 (gs_lane in <gameserver/game.h>; docs/PROTOCOL.md, "Lanes")
 * carry the game's bytes as they are, both ways, 0..GS_GAME_MAX_MESSAGE (256 KiB) bytes:
 *   1 GS_LANE_RELIABLE   every message exactly once, in order (and after a resume)
 *   2 GS_LANE_UNORDERED  every message exactly once, as soon as it arrives
 *   3 GS_LANE_SEQUENCED  may drop; never an older message after a newer one
 *   4 GS_LANE_UNRELIABLE may drop or reorder
 * Lane 0 is the server's own and not the game's. The world's messages on lane 2 carry a
 * number the library strips (and uses to drop a duplicate). The arena's helpers are a thin
 * layer over these and mean something only in a world that runs the arena:
 * gs_client_send_input and on_snapshot use lane 3, gs_client_send_chat and on_chat lane 1
 * (docs/PROTOCOL.md, "The arena's messages"), so on_message sees snapshots and chat too.
 *
 * Resuming: when the path to the world breaks (nothing heard from it for
 * `resume_after_ms`, or the connection timed out), the handle reconnects to the same
 * world on its own from a new socket with the resume ticket the world gave it
 * (on_reconnecting, state GS_STATE_RECONNECTING), and either takes its seat back with
 * the same player id (on_resumed; the player events and the reliable game messages, the
 * arena's chat among them, missed meanwhile follow, lanes 0 and 1 in order, lane 2 each
 * once) or gives up (on_disconnected with "resume_refused: <reason>" or
 * "resume_timeout") once the world refuses or its grace has passed. The resume request
 * names the lane-2 messages received above the lowest one missing, at most 900 of them
 * (what fits the 4,096 bytes of pre-auth data with the longest ticket): a break while
 * more are held (a lane-2 message long missing while that many later ones arrived) is
 * reported at once as on_disconnected("resume_refused: backlog"), without trying.
 *
 * Threads: a handle has its own event loop and no threads of its own. Nothing
 * happens between calls: network work and every callback run inside
 * gs_client_poll(), on the thread that calls it. Use one handle from one thread at a
 * time; different handles are independent and may live on different threads.
 * Callbacks may call gs_client_send(), gs_client_send_input(), gs_client_send_chat(),
 * gs_client_rtt_ms(), gs_client_traffic() and gs_client_close() on their handle,
 * never gs_client_destroy().
 *
 * Strings: every `const char*` argument is NUL-terminated UTF-8, read during the call
 * and copied if kept. Every `const char*` or pointer inside a struct handed to a
 * callback is valid only during that callback; copy what you keep.
 *
 * Errors: functions that can fail return 0 on success and a negative value on
 * failure; none of them aborts or throws. */
#ifndef GAMESERVER_CLIENT_H
#define GAMESERVER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Marks the functions the shared library exports (libgameserver_client.so is built with
 * hidden visibility and a version script: nothing else leaves it). Define it yourself
 * before including this header to override. */
#ifndef GS_CLIENT_API
#if defined(_WIN32)
#define GS_CLIENT_API
#elif defined(__GNUC__) || defined(__clang__)
#define GS_CLIENT_API __attribute__((visibility("default")))
#else
#define GS_CLIENT_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* An opaque client handle. */
typedef struct gs_client gs_client;

/* How a login ended (the `outcome` of gs_login_result). */
typedef enum gs_outcome {
  GS_OUTCOME_JOINED = 0,       /* logged in and in the world */
  GS_OUTCOME_LOGIN_FAILED = 1, /* the gateway said no; `reason` says why: bad_credentials,
                                  throttled, disabled, no_world, busy, unavailable, ... */
  GS_OUTCOME_UNREACHABLE = 2,  /* no connection to the gateway or world in time */
  GS_OUTCOME_CERTIFICATE = 3,  /* the server's certificate was not trusted */
  GS_OUTCOME_REFUSED = 4,      /* a server refused us: version, game, token, world full */
  GS_OUTCOME_DISCONNECTED = 5, /* the connection dropped during the login */
  GS_OUTCOME_TIMEOUT = 6       /* a stage took longer than the timeout */
} gs_outcome;

/* Where a handle is (gs_client_state). */
typedef enum gs_state {
  GS_STATE_IDLE = 0,        /* created, no login started */
  GS_STATE_LOGGING_IN = 1,  /* login or join under way */
  GS_STATE_IN_WORLD = 2,    /* joined: game messages, input and chat may be sent */
  GS_STATE_FAILED = 3,      /* the login failed (see the on_login result) */
  GS_STATE_CLOSED = 4,      /* left the world: closed by us, kicked or dropped */
  GS_STATE_RECONNECTING = 5 /* joined, the path broke, taking the seat back: game
                               messages, input and chat are refused until on_resumed */
} gs_state;

typedef struct gs_client_options {
  const char* gateway;      /* the gateway "host:port", e.g. "127.0.0.1:7000"; required */
  const char* trust_file;   /* PEM file: the server's certificate (pinned) or a CA bundle;
                               required unless `insecure` */
  int insecure;             /* nonzero: no certificate check (testing only) */
  const char* game;         /* game id the servers must run, 1..64 bytes; NULL means
                               "gameserver" */
  uint32_t timeout_ms;      /* limit for each stage (connect, log in, join), in
                               milliseconds; 0 means 10000 */
  uint32_t resume_after_ms; /* in the world, silence from it for this long means the path
                               broke and the handle resumes; 0 means 1000; at least 40.
                               A quiet healthy link is pinged every quarter of it, so it
                               never stays silent that long */
} gs_client_options;

typedef struct gs_login_result {
  gs_outcome outcome;
  const char* reason;        /* the server's reason or what went wrong; "" when joined */
  const char* world_id;      /* "" when the login failed before a world was chosen */
  const char* world_address; /* "host:port" of the world, or "" */
  uint32_t player_id;        /* our id in the world's events and the arena's snapshots; 0 unless joined */
  double login_ms;           /* connect and log in at the gateway, milliseconds */
  double join_ms;            /* connect and admission at the world, milliseconds */
} gs_login_result;

typedef struct gs_snapshot_entry {
  uint32_t player_id;
  int32_t x; /* position on the map, millimetres */
  int32_t y;
} gs_snapshot_entry;

/* The arena's snapshot: the players within our interest radius, us included, at one world tick. */
typedef struct gs_snapshot {
  uint32_t tick;
  const gs_snapshot_entry* players; /* `count` entries */
  size_t count;
} gs_snapshot;

typedef struct gs_chat {
  uint32_t player_id;  /* the sender */
  const char* account; /* the sender's account name */
  const char* text;
} gs_chat;

/* Counters of the world connection since joining: channel datagrams and their bytes
 * (each datagram adds 29 bytes of DTLS and 28 of UDP/IP on the wire). */
typedef struct gs_traffic {
  uint64_t bytes_sent;
  uint64_t bytes_received;
  uint64_t packets_sent;
  uint64_t packets_received;
} gs_traffic;

/* Called from gs_client_poll(). Any member may be NULL. `user` is the `user` field
 * below, passed through untouched. */
typedef struct gs_client_callbacks {
  void* user;
  /* The login ended: joined or failed. Called once per gs_client_login_and_join(). */
  void (*on_login)(void* user, const gs_login_result* result);
  /* The arena's snapshot (a lane-3 message that decodes as one), once a world tick
   * (world.tick_rate, 30 a second by default). */
  void (*on_snapshot)(void* user, const gs_snapshot* snapshot);
  /* The arena's chat line (a lane-1 message that decodes as a ChatEvent), ours included. */
  void (*on_chat)(void* user, const gs_chat* chat);
  /* Another player entered the world; on joining, one call for each player already there. */
  void (*on_player_joined)(void* user, uint32_t player_id, const char* account);
  /* A player left; `reason` is "left", "replaced" or "kicked". */
  void (*on_player_left)(void* user, uint32_t player_id, const char* reason);
  /* We are out of the world after having joined: "replaced", "shutdown", "timeout",
   * "resume_refused: <reason>" (no_seat, ticket_used, expired, backlog, ...),
   * "resume_timeout", ... */
  void (*on_disconnected)(void* user, const char* reason);
  /* Members below were added later; they stay at the end so older members keep their
   * offsets. */
  /* The path to the world broke: attempt 1, 2, ... to take the seat back is starting. */
  void (*on_reconnecting)(void* user, uint32_t attempt);
  /* The seat is back, same player id; `ms` from the break noticed to now. */
  void (*on_resumed)(void* user, double ms);
  /* Another player's path broke (`suspended` 1; the world keeps its seat for a while)
   * or it came back (`suspended` 0). */
  void (*on_player_status)(void* user, uint32_t player_id, int suspended);
  /* A game message from the world on `lane` (1..4) while in the world: `size` bytes at
   * `data` (never NULL, valid during the call), on lane 2 without the world's number.
   * Added in 1.1.0. */
  void (*on_message)(void* user, uint8_t lane, const void* data, size_t size);
} gs_client_callbacks;

/* Creates a handle. Returns NULL when `options` are unusable (no gateway, an address
 * that does not parse, no trust file without `insecure`, a game id over 64 bytes,
 * out of memory), with the
 * reason written to `error` (NUL-terminated, cut to `error_size` bytes) unless
 * `error` is NULL. The caller owns the handle and frees it with gs_client_destroy(). */
GS_CLIENT_API gs_client* gs_client_create(const gs_client_options* options, char* error, size_t error_size);

/* The name (a DNS name or an IP address, 1..253 bytes) the gateway's certificate must
 * carry when a CA in `trust_file` issued it, instead of the host part of `gateway`
 * (e.g. a gateway dialed by IP address whose certificate names it by DNS). A world's
 * certificate must always carry the host of the world address the gateway hands out.
 * A certificate that is itself in `trust_file` is pinned: its names are not checked.
 * Call before gs_client_login_and_join(). Returns 0, or -1 if an argument is NULL,
 * the name is empty or too long, or a login was already started. */
GS_CLIENT_API int gs_client_set_server_name(gs_client* client, const char* name);

/* Replaces the callbacks (copied). Call before gs_client_login_and_join() so that no
 * event is missed. NULL clears them. */
GS_CLIENT_API void gs_client_set_callbacks(gs_client* client, const gs_client_callbacks* callbacks);

/* The same two, told how large the caller's struct is: a library newer than the header a
 * program was built with reads only the members that program knows (the rest count as
 * zero/NULL), and an older library ignores members it does not know. In C and C++ the
 * macros below make every call to gs_client_create and gs_client_set_callbacks one of
 * these with sizeof the struct as compiled; bindings from other languages call them
 * directly with the size of the struct they lay out. Added in 1.2.0. */
GS_CLIENT_API gs_client* gs_client_create_sized(const gs_client_options* options, size_t options_size,
                                                char* error, size_t error_size);
GS_CLIENT_API void gs_client_set_callbacks_sized(gs_client* client, const gs_client_callbacks* callbacks,
                                                 size_t callbacks_size);
#ifndef GS_CLIENT_BUILDING
#define gs_client_create(options, error, error_size) \
  gs_client_create_sized((options), sizeof(gs_client_options), (error), (error_size))
#define gs_client_set_callbacks(client, callbacks) \
  gs_client_set_callbacks_sized((client), (callbacks), sizeof(gs_client_callbacks))
#endif

/* Starts logging in as `user` (1..64 bytes) with `password` (up to 1024 bytes) and
 * joining the world (`world`: a preferred world id of up to 64 bytes, or NULL for
 * any). The password is copied and every copy of ours is wiped once sent; wipe yours
 * when you like. Progress happens in gs_client_poll(); the end is reported to
 * on_login. Returns 0, or -1 if a login was already started on this handle, an
 * argument is NULL or a length is out of range (the handle stays idle). One login per
 * handle. */
GS_CLIENT_API int gs_client_login_and_join(gs_client* client, const char* user, const char* password,
                                           const char* world);

/* Runs the handle's network work and callbacks: whatever is ready now, and if
 * nothing is, waits up to `timeout_ms` milliseconds (0: never waits; call it every
 * frame) for something to do. Returns the number of handlers run (0 if the time
 * passed idle), or -1 if `client` is NULL or an internal error stopped it. */
GS_CLIENT_API int gs_client_poll(gs_client* client, uint32_t timeout_ms);

GS_CLIENT_API gs_state gs_client_state(const gs_client* client);

/* A game message on `lane` (1..4, gs_lane): `size` bytes at `data`, copied before the
 * call returns; 0..GS_GAME_MAX_MESSAGE (256 KiB) bytes, `data` may be NULL when `size`
 * is 0. Only in the world (GS_STATE_IN_WORLD; refused while reconnecting: a message on
 * lane 1 or 2 is not kept for after the resume). The world counts it against the
 * player's rate limit (world.rate_limit.input_per_s). Returns 0; -1 if `client` is NULL,
 * not in the world, the lane is not 1..4, `data` is NULL with a `size`, or the size is
 * over the limit; -2 if the connection cannot take it now (its queue is full). Added in
 * 1.1.0. */
GS_CLIENT_API int gs_client_send(gs_client* client, uint8_t lane, const void* data, size_t size);

/* The arena's movement (an Input on lane 3): the direction to move in, each axis
 * -100..100 percent of full speed. Sent unreliably; newer input replaces older. Send it
 * at most once a frame: the world drops a player's messages beyond its rate limit (250 a
 * second by default, world.rate_limit.input_per_s) and kicks ("rate_limited") a player
 * who keeps exceeding it. Returns 0, or -1 unless in the world or if the value is out of
 * range. */
GS_CLIENT_API int gs_client_send_input(gs_client* client, int32_t move_x, int32_t move_y);

/* The arena's chat (a Chat on lane 1): a line (1..256 bytes of UTF-8) to every player in
 * the world, delivered reliably and in order. The arena relays 5 lines a second per
 * player by default, after a burst of 10 (its settings chat_per_s, chat_burst); lines
 * beyond are dropped. Like every message it also counts against the world's rate limit
 * (world.rate_limit.input_per_s), over which a player who keeps sending is kicked
 * ("rate_limited"). Returns 0, or -1 unless in the world or if the text is empty or too
 * long. */
GS_CLIENT_API int gs_client_send_chat(gs_client* client, const char* text);

/* Smoothed round-trip time to the world in milliseconds; 0 before the first sample
 * or outside the world (reconnecting included). */
GS_CLIENT_API double gs_client_rtt_ms(const gs_client* client);

/* Fills `out` with the world connection's counters (zeros outside the world; a resume
 * starts a new connection, whose counters start at zero).
 * Returns 0, or -1 if an argument is NULL. */
GS_CLIENT_API int gs_client_traffic(const gs_client* client, gs_traffic* out);

/* Leaves the world gracefully: queued reliable messages (chat too) are delivered first.
 * Keep calling gs_client_poll() for a moment (about one round trip) to let the goodbye
 * go out; gs_client_destroy() alone drops the connection at once. Called while logging in,
 * it stops the login: the connection under way is dropped, a request not yet sent
 * never goes out, no world is joined and on_login is not called. Called while
 * reconnecting, it stops the resume. No callbacks of any kind follow once it returns. */
GS_CLIENT_API void gs_client_close(gs_client* client);

/* Frees the handle and everything it holds, closing connections at once. NULL is
 * allowed. Never call it from inside a callback. */
GS_CLIENT_API void gs_client_destroy(gs_client* client);

/* A static name for an outcome ("joined", "login_failed", ...); never NULL. */
GS_CLIENT_API const char* gs_outcome_name(gs_outcome outcome);

#ifdef __cplusplus
}
#endif

#endif /* GAMESERVER_CLIENT_H */
