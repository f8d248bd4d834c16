/* gameserver game modules: the C ABI between a world and a game's logic.
 *
 * A game module is a shared library the world role loads with dlopen(), named by
 * `world.game.module` in the YAML config, with `world.game.settings` handed to it. It
 * exports one function, gs_game_module_v1(), returning a table of callbacks; the world
 * calls them on its event loop and hands the module a table of host functions to send,
 * broadcast, kick, set timers, read a player's traffic, log and publish metrics.
 *
 * The world keeps doing, below the game, what it always does: a player exists only after
 * its login token verified; capacity, one seat per account, timeouts, rate limits and
 * resuming a broken path are the world's. The game sees players join, pause (suspended),
 * come back (resumed) and leave, their messages, and a tick.
 *
 * VERSIONING. GS_GAME_ABI_VERSION is the major version: the entry point's name carries
 * it (gs_game_module_v1) and the world refuses a table whose `abi_version` differs. Within
 * a major version, fields are only ever appended to gs_game_module and gs_host_api, and
 * each table says how large it is (`size`): the world reads only the callbacks the
 * module's table has, and a module may check `api->size` before using a host function
 * added later (GS_HOST_HAS(api, field)). Removing or changing anything is a new major
 * version with a new entry point.
 *
 * THREADS. Every callback runs on the world's event-loop thread, one at a time, never
 * re-entered: a host function called from a callback never calls the module back before
 * it returns (a kick's player_left follows later, from the loop). Host functions may be
 * called only from inside a callback, on that thread. A module that wants threads of its
 * own keeps them away from the host.
 *
 * MEMORY. Every pointer the host passes to a callback (accounts, reasons, message bytes,
 * settings) is valid only during that call: copy what you keep. Bytes passed to a host
 * function are copied before it returns. Nothing the module allocates is freed by the
 * host, and the reverse.
 *
 * ERRORS. Callbacks return 0 on success. A nonzero result from start() fails the world's
 * start: it exits with code 3, naming the module file and the text the module wrote into
 * `error`. From any other callback, a nonzero result is logged and counted
 * (gameserver_game_callback_errors_total{callback}) and the world carries on. A module
 * that crashes takes the world process down with it; a slow callback delays the whole
 * loop and shows up in gameserver_world_tick_seconds.
 */
#ifndef GAMESERVER_GAME_H
#define GAMESERVER_GAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GS_GAME_ABI_VERSION 1

#if defined(_WIN32)
#define GS_GAME_EXPORT __declspec(dllexport)
#else
#define GS_GAME_EXPORT __attribute__((visibility("default")))
#endif

/* The lanes a game sends on (docs/PROTOCOL.md, "Lanes"). Lane 0 is the server's own
 * (login, joins, resume) and is not a game's to use. The same table holds in both
 * directions and on every connection; a client reaches the game on the same lanes. */
typedef enum gs_lane {
  GS_LANE_RELIABLE = 1,  /* every message exactly once, in order (and after a resume) */
  GS_LANE_UNORDERED = 2, /* every message exactly once, as soon as it arrives */
  GS_LANE_SEQUENCED = 3, /* may drop; never an older message after a newer one */
  GS_LANE_UNRELIABLE = 4 /* may drop or reorder */
} gs_lane;

/* Results of host functions. */
typedef enum gs_result {
  GS_OK = 0,
  GS_ERR_NO_PLAYER = -1,  /* no player with that id (it left) */
  GS_ERR_LANE = -2,       /* not one of gs_lane */
  GS_ERR_TOO_LARGE = -3,  /* over GS_GAME_MAX_MESSAGE */
  GS_ERR_QUEUE_FULL = -4, /* the player's connection cannot take more now (unreliable lanes) */
  GS_ERR_ARGUMENT = -5    /* a NULL pointer, an empty or invalid name, ... */
} gs_result;

/* The largest message a game may send or receive, in bytes (the channel's max_message
 * default; larger configured limits still cap game messages here). */
#define GS_GAME_MAX_MESSAGE (256u * 1024u)

typedef enum gs_log_level {
  GS_LOG_DEBUG = 0,
  GS_LOG_INFO = 1,
  GS_LOG_WARN = 2,
  GS_LOG_ERROR = 3
} gs_log_level;

/* A player as the world admitted it: from its verified login token. */
typedef struct gs_player {
  uint32_t id;          /* unique in this world process, never reused while it runs */
  const char* account;  /* the token's subject (`sub`), NUL-terminated UTF-8 */
  int64_t token_issued; /* the token's `iat`, seconds since the Unix epoch; 0 if none */
  const char* token_id; /* the token's `jti` */
} gs_player;

/* A player's connection, for gs_host_api.player_stats. */
typedef struct gs_player_stats {
  double rtt_ms;            /* smoothed round-trip time; 0 while suspended */
  uint64_t bytes_sent;      /* to the player, channel datagrams, this connection */
  uint64_t bytes_received;  /* from the player */
  uint64_t packets_lost;    /* sent to the player and declared lost */
  uint64_t queued_messages; /* waiting to be sent or acknowledged */
  int suspended;            /* nonzero while its path is broken (seat kept) */
} gs_player_stats;

/* One entry of `world.game.settings`: nested maps are flattened with dots
 * ("spawn.x"), list items numbered ("maps.0", "maps.1"), every scalar as its YAML text. */
typedef struct gs_setting {
  const char* key;
  const char* value;
} gs_setting;

typedef struct gs_host gs_host; /* the world, as the module sees it: opaque */

/* What the world offers the module. Valid from start() until stop() returns. A lane or a
 * log level is passed as an int holding a gs_lane or gs_log_level: the world checks it
 * (GS_ERR_LANE) rather than trusting an enum a module may have filled with anything. */
typedef struct gs_host_api {
  uint32_t abi_version; /* GS_GAME_ABI_VERSION */
  uint32_t size;        /* sizeof(gs_host_api) in the world's build */

  /* Queues `data` for one player on a lane. While the player is suspended, reliable
   * lanes keep the message for its resume (GS_OK); the unreliable ones drop it (GS_OK). */
  int (*send)(gs_host* host, uint32_t player, int lane, const void* data, size_t size);
  /* The same to every player but `except` (0: none). */
  int (*broadcast)(gs_host* host, int lane, const void* data, size_t size, uint32_t except);
  /* Removes a player: it is told `reason` (1..32 bytes, printable ASCII), its connection
   * closes, and player_left(reason "kicked") follows from the loop. */
  int (*kick)(gs_host* host, uint32_t player, const char* reason);
  int (*player_stats)(gs_host* host, uint32_t player, gs_player_stats* out);

  /* Calls timer(id, user) after `delay_ms`, then every `repeat_ms` if that is not 0.
   * Returns the timer's id (never 0, never reused), or 0 on error (100000 timers at once). */
  uint64_t (*timer_start)(gs_host* host, uint32_t delay_ms, uint32_t repeat_ms, void* user);
  /* GS_ERR_ARGUMENT for an id that is not pending (fired once, cancelled, never started). */
  int (*timer_cancel)(gs_host* host, uint64_t timer);

  /* One line in the world's log, as the game's (`game=NAME`). */
  void (*log)(gs_host* host, int level, const char* message);
  /* Metrics on the world's /metrics as gameserver_game_NAME{game="..."} (counters as
   * gameserver_game_NAME_total): `name` is [a-z][a-z0-9_]{0,63}, not ending in "_total"
   * and not "callback_errors" (the world's own); a counter only grows (by a finite
   * `value` >= 0), a gauge is set (to a finite value). A name is one kind for the
   * module's life; a module has at most 256 names. */
  int (*counter_add)(gs_host* host, const char* name, double value);
  int (*gauge_set)(gs_host* host, const char* name, double value);

  /* A setting's value, or NULL when it is absent. Valid until stop(). */
  const char* (*setting)(gs_host* host, const char* key);
  /* Milliseconds on the world's monotonic clock (for the game's own timing). */
  uint64_t (*now_ms)(gs_host* host);
} gs_host_api;

/* True when the world's host table has `field` (added in a later minor revision). */
#define GS_HOST_HAS(api, field) \
  ((api)->size >= offsetof(gs_host_api, field) + sizeof(((gs_host_api*)0)->field))

/* What a module gives the world. Every callback but start may be NULL (not called). */
typedef struct gs_game_module {
  uint32_t abi_version; /* GS_GAME_ABI_VERSION */
  uint32_t size;        /* sizeof(gs_game_module) in the module's build */
  const char* name;     /* the game's name: metrics and logs carry it; [a-z0-9_-]{1,32} */
  const char* version;  /* the module's own version, for the logs */

  /* Starts a game instance. Store what you need in *game; every later callback gets it.
   * On failure write a NUL-terminated reason into `error` (at most error_size bytes,
   * truncated) and return nonzero. */
  int (*start)(gs_host* host, const gs_host_api* api, const gs_setting* settings, size_t settings_count,
               void** game, char* error, size_t error_size);
  /* The world is stopping; no callback follows. Free the instance. */
  void (*stop)(void* game);

  /* A player's token verified and it has a seat: it may be sent to at once. */
  int (*player_joined)(void* game, const gs_player* player);
  /* Its network path broke; the world keeps its seat for world.resume_grace. Messages
   * on reliable lanes are kept for it. */
  int (*player_suspended)(void* game, uint32_t player);
  /* It came back on a new connection: same id, everything reliable delivered. */
  int (*player_resumed)(void* game, uint32_t player);
  /* It is gone: "left", "kicked", "replaced" (the account joined again), "timeout"
   * (suspended past the grace), "shutdown". Do not send to it any more. */
  int (*player_left)(void* game, uint32_t player, const char* reason);
  /* A message from a player, after its rate limit. */
  int (*message)(void* game, uint32_t player, gs_lane lane, const void* data, size_t size);
  /* Every 1/world.tick_rate seconds: `tick` counts from 1, `dt` is the step in seconds. */
  int (*tick)(void* game, uint64_t tick, double dt);
  /* A timer of timer_start came due. */
  int (*timer)(void* game, uint64_t timer, void* user);
} gs_game_module;

/* The one symbol a module exports. It returns a table that lives as long as the module
 * is loaded (a static one). */
typedef const gs_game_module* (*gs_game_module_entry)(void);
#define GS_GAME_ENTRY_NAME "gs_game_module_v1"
GS_GAME_EXPORT const gs_game_module* gs_game_module_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* GAMESERVER_GAME_H */
