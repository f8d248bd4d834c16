/* Tic-tac-toe as a gameserver game module, in plain C11 against game.h alone (README.md).
 *
 * Players wait in a queue; the first two present ones are paired into a match (the one
 * queued first plays X and moves first). Moves come on GS_LANE_RELIABLE and are checked
 * here; a refused or malformed message is answered with an ERROR and counted, never a
 * kick. Three in a row wins, a full board draws, leaving mid-match or running out of
 * turn time (setting turn_timeout_ms) forfeits. After a match both players go back to
 * the queue by themselves, the former O first (so two players paired again swap marks).
 *
 * The turn clock runs only while the player to move is connected: it pauses when that
 * player is suspended and goes on with the time it had left when it resumes. An away
 * opponent does not stop the mover's clock, so stalling until the other's grace runs
 * out wins nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gameserver/game.h"
#include "tictactoe_protocol.h"

#define TTT_MAX_TURN_TIMEOUT_MS 86400000u /* one day */

typedef struct ttt_match ttt_match;

typedef struct ttt_player {
  uint32_t id;
  int suspended;
  int queued;
  ttt_match* match; /* the live match it plays in, or NULL */
  struct ttt_player* queue_prev;
  struct ttt_player* queue_next;
} ttt_player;

struct ttt_match {
  uint32_t id;
  ttt_player* players[2]; /* [0] plays X, [1] plays O */
  uint8_t cells[9];
  uint8_t next; /* TTT_X or TTT_O */
  int moves;
  uint64_t timer;     /* the pending turn timer, 0 when the clock is stopped */
  uint64_t deadline;  /* when it fires, host milliseconds */
  uint32_t turn_left; /* the mover's time while the clock is stopped */
  ttt_match* prev;
  ttt_match* next_match;
};

typedef struct ttt_game {
  gs_host* host;
  const gs_host_api* api;
  uint32_t turn_timeout_ms; /* 0: no turn clock */
  ttt_player** slots;       /* open addressing by id, linear probing; NULL is free */
  size_t capacity;          /* a power of two, or 0 */
  size_t players;
  ttt_player* queue_head;
  ttt_player* queue_tail;
  size_t waiting;
  ttt_match* matches; /* live ones */
  size_t live;
  uint32_t next_match_id;
  int error; /* the first failed host call of the current callback */
} ttt_game;

/* ---- Host calls --------------------------------------------------------------------- */

static void note(ttt_game* g, int result) {
  if (result != GS_OK && g->error == 0) g->error = result;
}

static void tx(ttt_game* g, const ttt_player* p, const uint8_t* data, size_t size) {
  note(g, g->api->send(g->host, p->id, GS_LANE_RELIABLE, data, size));
}

static void count(ttt_game* g, const char* name, double value) {
  note(g, g->api->counter_add(g->host, name, value));
}

static void gauges(ttt_game* g) {
  note(g, g->api->gauge_set(g->host, "matches_live", (double)g->live));
  note(g, g->api->gauge_set(g->host, "players_waiting", (double)g->waiting));
}

static void send_error(ttt_game* g, const ttt_player* p, uint8_t code) {
  uint8_t out[TTT_ERROR_SIZE];
  tx(g, p, out, ttt_encode_error(out, code));
  count(g, code <= TTT_ERR_CELL_TAKEN ? "invalid_moves" : "malformed_messages", 1);
}

/* ---- Players by id -------------------------------------------------------------------- */

static size_t slot_of(uint32_t id, size_t capacity) { return (size_t)(id * 2654435761u) & (capacity - 1); }

static ttt_player* find_player(const ttt_game* g, uint32_t id) {
  size_t i;
  if (g->capacity == 0) return NULL;
  for (i = slot_of(id, g->capacity); g->slots[i]; i = (i + 1) & (g->capacity - 1))
    if (g->slots[i]->id == id) return g->slots[i];
  return NULL;
}

static void place(ttt_player** slots, size_t capacity, ttt_player* p) {
  size_t i = slot_of(p->id, capacity);
  while (slots[i]) i = (i + 1) & (capacity - 1);
  slots[i] = p;
}

/* Keeps the table at most half full. 0, or -1 when out of memory. */
static int reserve_player(ttt_game* g) {
  size_t capacity = g->capacity ? g->capacity * 2 : 16, i;
  ttt_player** slots;
  if ((g->players + 1) * 2 <= g->capacity) return 0;
  slots = calloc(capacity, sizeof *slots);
  if (!slots) return -1;
  for (i = 0; i < g->capacity; ++i)
    if (g->slots[i]) place(slots, capacity, g->slots[i]);
  free(g->slots);
  g->slots = slots;
  g->capacity = capacity;
  return 0;
}

/* Removes p's slot and moves later entries of its run back (no tombstones). */
static void erase_player(ttt_game* g, const ttt_player* p) {
  size_t mask = g->capacity - 1, i = slot_of(p->id, g->capacity), j;
  while (g->slots[i] != p) i = (i + 1) & mask;
  g->slots[i] = NULL;
  for (j = (i + 1) & mask; g->slots[j]; j = (j + 1) & mask) {
    size_t home = slot_of(g->slots[j]->id, g->capacity);
    /* The entry at j may fill the hole at i unless its home lies cyclically in (i, j]. */
    if (((j - home) & mask) >= ((j - i) & mask)) {
      g->slots[i] = g->slots[j];
      g->slots[j] = NULL;
      i = j;
    }
  }
  g->players--;
}

/* ---- The queue ------------------------------------------------------------------------ */

static void enqueue(ttt_game* g, ttt_player* p) {
  uint8_t out[TTT_WAITING_SIZE];
  p->queued = 1;
  p->queue_next = NULL;
  p->queue_prev = g->queue_tail;
  if (g->queue_tail) {
    g->queue_tail->queue_next = p;
  } else {
    g->queue_head = p;
  }
  g->queue_tail = p;
  g->waiting++;
  tx(g, p, out, ttt_encode_waiting(out));
}

static void dequeue(ttt_game* g, ttt_player* p) {
  if (!p->queued) return;
  if (p->queue_prev) {
    p->queue_prev->queue_next = p->queue_next;
  } else {
    g->queue_head = p->queue_next;
  }
  if (p->queue_next) {
    p->queue_next->queue_prev = p->queue_prev;
  } else {
    g->queue_tail = p->queue_prev;
  }
  p->queued = 0;
  p->queue_prev = p->queue_next = NULL;
  g->waiting--;
}

/* ---- The turn clock ------------------------------------------------------------------- */

static ttt_player* mover(const ttt_match* m) { return m->players[m->next == TTT_X ? 0 : 1]; }

static void stop_clock(ttt_game* g, ttt_match* m) {
  uint64_t now;
  if (!m->timer) return;
  now = g->api->now_ms(g->host);
  m->turn_left = m->deadline > now ? (uint32_t)(m->deadline - now) : 0;
  g->api->timer_cancel(g->host, m->timer);
  m->timer = 0;
}

/* Starts the mover's clock with the time it has left, if there is a clock and the mover
 * is connected. */
static void run_clock(ttt_game* g, ttt_match* m) {
  if (g->turn_timeout_ms == 0 || m->timer || mover(m)->suspended) return;
  m->timer = g->api->timer_start(g->host, m->turn_left, 0, m);
  if (m->timer == 0) note(g, GS_ERR_ARGUMENT);
  m->deadline = g->api->now_ms(g->host) + m->turn_left;
}

static uint32_t clock_left(ttt_game* g, const ttt_match* m) {
  uint64_t now;
  if (!m->timer) return m->turn_left;
  now = g->api->now_ms(g->host);
  return m->deadline > now ? (uint32_t)(m->deadline - now) : 0;
}

static void send_board(ttt_game* g, const ttt_match* m, const ttt_player* only, uint8_t next) {
  uint8_t out[TTT_BOARD_SIZE];
  size_t size = ttt_encode_board(out, m->cells, next, next == TTT_EMPTY ? 0 : clock_left(g, m));
  int i;
  for (i = 0; i < 2; ++i)
    if (!only || only == m->players[i]) tx(g, m->players[i], out, size);
}

/* The next player's turn, with a full clock: both see the board. */
static void begin_turn(ttt_game* g, ttt_match* m) {
  stop_clock(g, m);
  m->turn_left = g->turn_timeout_ms;
  run_clock(g, m);
  send_board(g, m, NULL, m->next);
}

/* ---- Matches -------------------------------------------------------------------------- */

static void log_line(ttt_game* g, const char* line) { g->api->log(g->host, GS_LOG_INFO, line); }

static void start_match(ttt_game* g, ttt_player* x, ttt_player* o) {
  ttt_match* m = calloc(1, sizeof *m);
  uint8_t out[TTT_MATCH_START_SIZE];
  char line[96];
  if (!m) {
    note(g, GS_ERR_ARGUMENT);
    return;
  }
  dequeue(g, x);
  dequeue(g, o);
  m->id = ++g->next_match_id;
  m->players[0] = x;
  m->players[1] = o;
  m->next = TTT_X;
  x->match = o->match = m;
  m->next_match = g->matches;
  if (g->matches) g->matches->prev = m;
  g->matches = m;
  g->live++;
  tx(g, x, out, ttt_encode_match_start(out, TTT_X, o->id, m->id));
  tx(g, o, out, ttt_encode_match_start(out, TTT_O, x->id, m->id));
  snprintf(line, sizeof line, "match %u started: X=%u O=%u", m->id, x->id, o->id);
  log_line(g, line);
  count(g, "matches_started", 1);
  begin_turn(g, m);
}

/* Pairs the first two connected players of the queue, as long as there are two. */
static void pair_waiting(ttt_game* g) {
  for (;;) {
    ttt_player *p, *first = NULL, *second = NULL;
    for (p = g->queue_head; p && !second; p = p->queue_next) {
      if (p->suspended) continue;
      if (first) {
        second = p;
      } else {
        first = p;
      }
    }
    if (!second) break;
    start_match(g, first, second);
  }
  gauges(g);
}

static const char* reason_text(uint8_t reason) {
  switch (reason) {
    case TTT_REASON_LINE: return "three in a row";
    case TTT_REASON_FULL: return "board full";
    case TTT_REASON_LEFT: return "forfeit, left";
    default: return "forfeit, turn timeout";
  }
}

static void log_end(ttt_game* g, const ttt_match* m, int winner, uint8_t reason) {
  char line[128];
  if (winner < 0) {
    snprintf(line, sizeof line, "match %u ended: draw (%s)", m->id, reason_text(reason));
  } else {
    snprintf(line, sizeof line, "match %u ended: %u (%s) beat %u (%s)", m->id, m->players[winner]->id,
             winner == 0 ? "X" : "O", m->players[1 - winner]->id, reason_text(reason));
  }
  log_line(g, line);
  count(g, winner < 0 ? "matches_drawn" : reason <= TTT_REASON_FULL ? "matches_won" : "forfeits", 1);
}

/* Ends `m`: `winner` is 0 (X), 1 (O) or -1 (a draw). Both players are told the result
 * (but `gone`, a player that left) and go back to the queue, O first. Frees m. */
static void end_match(ttt_game* g, ttt_match* m, int winner, uint8_t reason, const ttt_player* gone) {
  uint8_t out[TTT_RESULT_SIZE];
  int i;
  stop_clock(g, m);
  log_end(g, m, winner, reason);
  for (i = 0; i < 2; ++i) {
    uint8_t outcome = winner < 0 ? TTT_DRAW : winner == i ? TTT_WIN : TTT_LOSE;
    m->players[i]->match = NULL;
    if (m->players[i] != gone) tx(g, m->players[i], out, ttt_encode_result(out, outcome, reason));
  }
  if (m->prev) {
    m->prev->next_match = m->next_match;
  } else {
    g->matches = m->next_match;
  }
  if (m->next_match) m->next_match->prev = m->prev;
  g->live--;
  for (i = 1; i >= 0; --i)
    if (m->players[i] != gone) enqueue(g, m->players[i]);
  free(m);
  pair_waiting(g);
}

static int line_through(const uint8_t cells[9], int cell) {
  static const int lines[8][3] = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6},
                                  {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}};
  int i;
  for (i = 0; i < 8; ++i) {
    const int* l = lines[i];
    if ((l[0] == cell || l[1] == cell || l[2] == cell) && cells[l[0]] == cells[cell] &&
        cells[l[1]] == cells[cell] && cells[l[2]] == cells[cell])
      return 1;
  }
  return 0;
}

/* A well-formed MOVE: checked against the rules, then played. */
static void play(ttt_game* g, ttt_player* p, uint8_t cell) {
  ttt_match* m = p->match;
  uint8_t refused = !m                            ? TTT_ERR_NOT_IN_MATCH
                    : mover(m) != p               ? TTT_ERR_NOT_YOUR_TURN
                    : cell > 8                    ? TTT_ERR_BAD_CELL
                    : m->cells[cell] != TTT_EMPTY ? TTT_ERR_CELL_TAKEN
                                                  : 0;
  if (refused) {
    send_error(g, p, refused);
    return;
  }
  m->cells[cell] = m->next;
  m->moves++;
  if (line_through(m->cells, cell)) {
    send_board(g, m, NULL, TTT_EMPTY);
    end_match(g, m, m->next == TTT_X ? 0 : 1, TTT_REASON_LINE, NULL);
  } else if (m->moves == 9) {
    send_board(g, m, NULL, TTT_EMPTY);
    end_match(g, m, -1, TTT_REASON_FULL, NULL);
  } else {
    m->next = m->next == TTT_X ? TTT_O : TTT_X;
    begin_turn(g, m);
  }
}

/* ---- Callbacks ------------------------------------------------------------------------ */

/* turn_timeout_ms: decimal digits only, at most a day. 0, or -1 with `error` written. */
static int read_timeout(gs_host* host, const gs_host_api* api, uint32_t* out, char* error,
                        size_t error_size) {
  const char* text = api->setting(host, "turn_timeout_ms");
  const char* c;
  unsigned long long value;
  *out = 0;
  if (!text) return 0;
  for (c = text; *c; ++c)
    if (*c < '0' || *c > '9') break;
  errno = 0;
  value = *text && !*c ? strtoull(text, NULL, 10) : 0;
  if (!*text || *c || errno || value > TTT_MAX_TURN_TIMEOUT_MS) {
    snprintf(error, error_size, "turn_timeout_ms: \"%.40s\" is not a number of milliseconds 0..%u", text,
             TTT_MAX_TURN_TIMEOUT_MS);
    return -1;
  }
  *out = (uint32_t)value;
  return 0;
}

static int start(gs_host* host, const gs_host_api* api, const gs_setting* settings, size_t settings_count,
                 void** out, char* error, size_t error_size) {
  ttt_game* g;
  uint32_t timeout;
  char line[96];
  (void)settings, (void)settings_count;
  if (api->abi_version != GS_GAME_ABI_VERSION || !GS_HOST_HAS(api, now_ms)) {
    snprintf(error, error_size, "the host's API is not version %d", GS_GAME_ABI_VERSION);
    return 1;
  }
  if (read_timeout(host, api, &timeout, error, error_size) != 0) return 1;
  g = calloc(1, sizeof *g);
  if (!g) {
    snprintf(error, error_size, "out of memory");
    return 1;
  }
  g->host = host;
  g->api = api;
  g->turn_timeout_ms = timeout;
  /* Every counter and gauge from the start, at 0, so /metrics shows them all. */
  count(g, "matches_started", 0), count(g, "matches_won", 0), count(g, "matches_drawn", 0);
  count(g, "forfeits", 0), count(g, "invalid_moves", 0), count(g, "malformed_messages", 0);
  gauges(g);
  snprintf(line, sizeof line, "tictactoe started: turn_timeout_ms=%u", timeout);
  log_line(g, line);
  *out = g;
  return 0;
}

static void stop(void* game) {
  ttt_game* g = game;
  size_t i;
  while (g->matches) {
    ttt_match* m = g->matches;
    g->matches = m->next_match;
    free(m);
  }
  for (i = 0; i < g->capacity; ++i) free(g->slots[i]);
  free(g->slots);
  free(g);
}

static int player_joined(void* game, const gs_player* player) {
  ttt_game* g = game;
  ttt_player* p;
  uint8_t out[TTT_WELCOME_SIZE];
  g->error = 0;
  if (find_player(g, player->id)) return GS_ERR_ARGUMENT; /* the host never does this */
  if (reserve_player(g) != 0 || !(p = calloc(1, sizeof *p))) return GS_ERR_ARGUMENT;
  p->id = player->id;
  place(g->slots, g->capacity, p);
  g->players++;
  tx(g, p, out, ttt_encode_welcome(out, p->id, g->turn_timeout_ms));
  enqueue(g, p);
  pair_waiting(g);
  return g->error;
}

static int player_suspended(void* game, uint32_t player) {
  ttt_game* g = game;
  ttt_player* p = find_player(g, player);
  uint8_t out[TTT_OPPONENT_SIZE];
  g->error = 0;
  if (!p) return GS_ERR_NO_PLAYER;
  p->suspended = 1;
  if (p->match) {
    ttt_match* m = p->match;
    tx(g, m->players[m->players[0] == p ? 1 : 0], out, ttt_encode_opponent(out, TTT_OPPONENT_AWAY));
    if (mover(m) == p) stop_clock(g, m);
  }
  return g->error;
}

static int player_resumed(void* game, uint32_t player) {
  ttt_game* g = game;
  ttt_player* p = find_player(g, player);
  uint8_t out[TTT_OPPONENT_SIZE];
  g->error = 0;
  if (!p) return GS_ERR_NO_PLAYER;
  p->suspended = 0;
  if (p->match) {
    ttt_match* m = p->match;
    tx(g, m->players[m->players[0] == p ? 1 : 0], out, ttt_encode_opponent(out, TTT_OPPONENT_BACK));
    run_clock(g, m);
    send_board(g, m, p, m->next); /* the clock as it is now */
  } else {
    pair_waiting(g);
  }
  return g->error;
}

static int player_left(void* game, uint32_t player, const char* reason) {
  ttt_game* g = game;
  ttt_player* p = find_player(g, player);
  (void)reason;
  g->error = 0;
  if (!p) return GS_ERR_NO_PLAYER;
  if (p->match) end_match(g, p->match, p->match->players[0] == p ? 1 : 0, TTT_REASON_LEFT, p);
  dequeue(g, p);
  erase_player(g, p);
  free(p);
  gauges(g);
  return g->error;
}

static int message(void* game, uint32_t player, gs_lane lane, const void* data, size_t size) {
  ttt_game* g = game;
  ttt_player* p = find_player(g, player);
  uint8_t cell = 0, code = 0;
  g->error = 0;
  if (!p) return GS_ERR_NO_PLAYER;
  if (lane != GS_LANE_RELIABLE) {
    send_error(g, p, TTT_ERR_WRONG_LANE);
  } else if (ttt_decode_move(data, size, &cell, &code) != 0) {
    send_error(g, p, code);
  } else {
    play(g, p, cell);
  }
  return g->error;
}

static int timer(void* game, uint64_t id, void* user) {
  ttt_game* g = game;
  ttt_match* m;
  g->error = 0;
  for (m = g->matches; m && (m != user || m->timer != id); m = m->next_match) continue;
  if (!m) return GS_ERR_ARGUMENT; /* not a turn clock of a live match: cannot happen */
  m->timer = 0;
  m->turn_left = 0;
  end_match(g, m, m->next == TTT_X ? 1 : 0, TTT_REASON_TIMEOUT, NULL);
  return g->error;
}

/* Designated initializers: a callback lands in its field whatever the struct's order. */
static const gs_game_module module = {
    .abi_version = GS_GAME_ABI_VERSION,
    .size = sizeof(gs_game_module),
    .name = "tictactoe",
    .version = "1.0.0",
    .start = start,
    .stop = stop,
    .player_joined = player_joined,
    .player_suspended = player_suspended,
    .player_resumed = player_resumed,
    .player_left = player_left,
    .message = message,
    .tick = NULL, /* turn-based: nothing happens between messages but the turn clock */
    .timer = timer,
};

const gs_game_module* gs_game_module_v1(void) { return &module; }
