/* A well-behaved game module in plain C ("c_echo"), the way a game developer writes one.
 *   start: reads the setting "greeting" (default "hello"); refuses an empty one
 *   player_joined: counts joins, sets the players gauge, sends the greeting on lane 1
 *   message: answers by its text:
 *     "kick"   kicks the sender with reason "asked to"
 *     "stats"  sends back "rtt=<ms>" on lane 1
 *     "later"  starts a one-shot timer (50 ms) that broadcasts "later" on lane 2
 *     "fail"   returns nonzero
 *     else     echoes the bytes on the same lane
 *   player_left: lowers the players gauge
 *   tick: counts ticks
 * player_suspended and player_resumed are NULL (the host skips them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gameserver/game.h"

typedef struct echo_game {
  gs_host* host;
  const gs_host_api* api;
  char greeting[64];
  int players;
} echo_game;

static int start(gs_host* host, const gs_host_api* api, const gs_setting* settings, size_t settings_count,
                 void** out, char* error, size_t error_size) {
  const char* greeting = api->setting(host, "greeting");
  echo_game* game;
  (void)settings, (void)settings_count;
  if (greeting && !*greeting) {
    snprintf(error, error_size, "greeting must not be empty");
    return 1;
  }
  game = calloc(1, sizeof *game);
  if (!game) return 1;
  game->host = host;
  game->api = api;
  snprintf(game->greeting, sizeof game->greeting, "%s", greeting ? greeting : "hello");
  api->log(host, GS_LOG_INFO, "echo started");
  *out = game;
  return 0;
}

static void stop(void* g) { free(g); }

static int player_joined(void* g, const gs_player* player) {
  echo_game* game = g;
  char line[128];
  game->api->counter_add(game->host, "joins", 1);
  game->api->gauge_set(game->host, "players", ++game->players);
  snprintf(line, sizeof line, "joined %u %s", player->id, player->account);
  game->api->log(game->host, GS_LOG_INFO, line);
  return game->api->send(game->host, player->id, GS_LANE_RELIABLE, game->greeting, strlen(game->greeting));
}

static int player_left(void* g, uint32_t player, const char* reason) {
  echo_game* game = g;
  (void)player, (void)reason;
  game->api->gauge_set(game->host, "players", --game->players);
  return 0;
}

static int is(const void* data, size_t size, const char* text) {
  return size == strlen(text) && memcmp(data, text, size) == 0;
}

static int message(void* g, uint32_t player, gs_lane lane, const void* data, size_t size) {
  echo_game* game = g;
  if (is(data, size, "kick")) return game->api->kick(game->host, player, "asked to");
  if (is(data, size, "fail")) return 1;
  if (is(data, size, "later")) return game->api->timer_start(game->host, 50, 0, game) == 0;
  if (is(data, size, "stats")) {
    gs_player_stats stats;
    char line[64];
    int result = game->api->player_stats(game->host, player, &stats);
    if (result != GS_OK) return result;
    snprintf(line, sizeof line, "rtt=%.0f", stats.rtt_ms);
    return game->api->send(game->host, player, GS_LANE_RELIABLE, line, strlen(line));
  }
  return game->api->send(game->host, player, lane, data, size);
}

static int tick(void* g, uint64_t n, double dt) {
  echo_game* game = g;
  (void)n, (void)dt;
  return game->api->counter_add(game->host, "ticks", 1);
}

static int timer(void* g, uint64_t id, void* user) {
  echo_game* game = g;
  (void)id;
  if (user != game) return 1;
  return game->api->broadcast(game->host, GS_LANE_UNORDERED, "later", 5, 0);
}

static const gs_game_module module = {GS_GAME_ABI_VERSION,
                                      sizeof(gs_game_module),
                                      "c_echo",
                                      "1.2.3",
                                      start,
                                      stop,
                                      player_joined,
                                      NULL,
                                      NULL,
                                      player_left,
                                      message,
                                      tick,
                                      timer};

const gs_game_module* gs_game_module_v1(void) { return &module; }
