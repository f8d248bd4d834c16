/* The tic-tac-toe game's messages (README.md, "Messages"), for the module and its clients.
 *
 * Every message travels on GS_LANE_RELIABLE (lane 1). Its first byte is its kind; the
 * rest is fixed per kind, integers little-endian. A message is exactly its kind's size:
 * anything shorter or longer is malformed. Encoders write into a buffer of the kind's
 * size and return that size; decoders read at most `size` bytes and return 0, or -1 when
 * the bytes are not a well-formed message of that kind (wrong size, a value out of range).
 *
 * C99/C11 and C++; only <stddef.h> and <stdint.h>; no allocation, no global state. */
#ifndef TICTACTOE_PROTOCOL_H
#define TICTACTOE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define TTT_PROTOCOL_VERSION 1

/* Message kinds: server to client 0x01..0x07, client to server 0x10. */
#define TTT_WELCOME 0x01     /* version u8, your player id u32, turn_timeout_ms u32 */
#define TTT_WAITING 0x02     /* (nothing): you are in the queue for a match */
#define TTT_MATCH_START 0x03 /* your mark u8, opponent id u32, match id u32 */
#define TTT_BOARD 0x04       /* cells u8[9], next mark u8, turn ms left u32 */
#define TTT_RESULT 0x05      /* outcome u8, reason u8 */
#define TTT_ERROR 0x06       /* code u8: your message was refused */
#define TTT_OPPONENT 0x07    /* state u8: your opponent went away or came back */
#define TTT_MOVE 0x10        /* cell u8 (client to server) */

/* Sizes, kind byte included. */
#define TTT_WELCOME_SIZE 10
#define TTT_WAITING_SIZE 1
#define TTT_MATCH_START_SIZE 10
#define TTT_BOARD_SIZE 15
#define TTT_RESULT_SIZE 3
#define TTT_ERROR_SIZE 2
#define TTT_OPPONENT_SIZE 2
#define TTT_MOVE_SIZE 2
#define TTT_MAX_SIZE 15 /* the largest message */

/* Marks, in cells and as "you" / "next". */
#define TTT_EMPTY 0 /* a free cell; as BOARD's next: the match is over */
#define TTT_X 1     /* moves first */
#define TTT_O 2

/* RESULT outcome and reason. */
#define TTT_WIN 1
#define TTT_LOSE 2
#define TTT_DRAW 3
#define TTT_REASON_LINE 1    /* three in a row */
#define TTT_REASON_FULL 2    /* the board is full, no line: a draw */
#define TTT_REASON_LEFT 3    /* forfeit: a player left mid-match */
#define TTT_REASON_TIMEOUT 4 /* forfeit: the player to move ran out of turn time */

/* ERROR codes. 1..4 answer a well-formed MOVE the rules refuse (counted as
 * invalid_moves); 5..7 answer bytes that are not a MOVE at all (malformed_messages). */
#define TTT_ERR_NOT_IN_MATCH 1  /* you are waiting, or your match is over */
#define TTT_ERR_NOT_YOUR_TURN 2 /* it is your opponent's move */
#define TTT_ERR_BAD_CELL 3      /* the cell is not 0..8 */
#define TTT_ERR_CELL_TAKEN 4    /* the cell is not empty */
#define TTT_ERR_MALFORMED 5     /* empty, or a MOVE of the wrong size */
#define TTT_ERR_UNKNOWN_KIND 6  /* the first byte is not a client message kind */
#define TTT_ERR_WRONG_LANE 7    /* sent on a lane other than GS_LANE_RELIABLE */
#define TTT_ERR_LAST 7

/* OPPONENT state. */
#define TTT_OPPONENT_AWAY 1 /* its connection broke; the world holds its seat */
#define TTT_OPPONENT_BACK 2

/* Any server message, decoded: `kind` says which member is set. */
typedef struct ttt_server_message {
  uint8_t kind;
  union {
    struct {
      uint8_t version;
      uint32_t player;
      uint32_t turn_timeout_ms;
    } welcome;
    struct {
      uint8_t you;
      uint32_t opponent;
      uint32_t match;
    } match_start;
    struct {
      uint8_t cells[9];
      uint8_t next;
      uint32_t turn_ms_left; /* 0: no turn clock, or the match is over */
    } board;
    struct {
      uint8_t outcome;
      uint8_t reason;
    } result;
    uint8_t error;
    uint8_t opponent;
  } u;
} ttt_server_message;

static inline void ttt_put_u32(uint8_t* out, uint32_t v) {
  out[0] = (uint8_t)v;
  out[1] = (uint8_t)(v >> 8);
  out[2] = (uint8_t)(v >> 16);
  out[3] = (uint8_t)(v >> 24);
}

static inline uint32_t ttt_get_u32(const uint8_t* in) {
  return (uint32_t)in[0] | ((uint32_t)in[1] << 8) | ((uint32_t)in[2] << 16) | ((uint32_t)in[3] << 24);
}

static inline size_t ttt_encode_welcome(uint8_t out[TTT_WELCOME_SIZE], uint32_t player,
                                        uint32_t turn_timeout_ms) {
  out[0] = TTT_WELCOME;
  out[1] = TTT_PROTOCOL_VERSION;
  ttt_put_u32(out + 2, player);
  ttt_put_u32(out + 6, turn_timeout_ms);
  return TTT_WELCOME_SIZE;
}

static inline size_t ttt_encode_waiting(uint8_t out[TTT_WAITING_SIZE]) {
  out[0] = TTT_WAITING;
  return TTT_WAITING_SIZE;
}

static inline size_t ttt_encode_match_start(uint8_t out[TTT_MATCH_START_SIZE], uint8_t you, uint32_t opponent,
                                            uint32_t match) {
  out[0] = TTT_MATCH_START;
  out[1] = you;
  ttt_put_u32(out + 2, opponent);
  ttt_put_u32(out + 6, match);
  return TTT_MATCH_START_SIZE;
}

static inline size_t ttt_encode_board(uint8_t out[TTT_BOARD_SIZE], const uint8_t cells[9], uint8_t next,
                                      uint32_t turn_ms_left) {
  int i;
  out[0] = TTT_BOARD;
  for (i = 0; i < 9; ++i) out[1 + i] = cells[i];
  out[10] = next;
  ttt_put_u32(out + 11, turn_ms_left);
  return TTT_BOARD_SIZE;
}

static inline size_t ttt_encode_result(uint8_t out[TTT_RESULT_SIZE], uint8_t outcome, uint8_t reason) {
  out[0] = TTT_RESULT;
  out[1] = outcome;
  out[2] = reason;
  return TTT_RESULT_SIZE;
}

static inline size_t ttt_encode_error(uint8_t out[TTT_ERROR_SIZE], uint8_t code) {
  out[0] = TTT_ERROR;
  out[1] = code;
  return TTT_ERROR_SIZE;
}

static inline size_t ttt_encode_opponent(uint8_t out[TTT_OPPONENT_SIZE], uint8_t state) {
  out[0] = TTT_OPPONENT;
  out[1] = state;
  return TTT_OPPONENT_SIZE;
}

static inline size_t ttt_encode_move(uint8_t out[TTT_MOVE_SIZE], uint8_t cell) {
  out[0] = TTT_MOVE;
  out[1] = cell;
  return TTT_MOVE_SIZE;
}

/* A client message: 0 and the cell for a MOVE of the right size (the cell is NOT checked
 * against 0..8: that is a rule, TTT_ERR_BAD_CELL); otherwise -1 and the error code to
 * answer with in *error (TTT_ERR_MALFORMED or TTT_ERR_UNKNOWN_KIND). */
static inline int ttt_decode_move(const void* data, size_t size, uint8_t* cell, uint8_t* error) {
  const uint8_t* in = (const uint8_t*)data;
  if (size == 0 || !data) {
    *error = TTT_ERR_MALFORMED;
    return -1;
  }
  if (in[0] != TTT_MOVE) {
    *error = TTT_ERR_UNKNOWN_KIND;
    return -1;
  }
  if (size != TTT_MOVE_SIZE) {
    *error = TTT_ERR_MALFORMED;
    return -1;
  }
  *cell = in[1];
  return 0;
}

static inline int ttt_valid_mark(uint8_t mark, int empty_ok) {
  return mark == TTT_X || mark == TTT_O || (empty_ok && mark == TTT_EMPTY);
}

/* The fields of a server message of `in[0]`'s kind, `size` already checked. */
static inline int ttt_decode_server_fields(const uint8_t* in, ttt_server_message* out) {
  int i;
  switch (in[0]) {
    case TTT_WELCOME:
      out->u.welcome.version = in[1];
      out->u.welcome.player = ttt_get_u32(in + 2);
      out->u.welcome.turn_timeout_ms = ttt_get_u32(in + 6);
      return 0;
    case TTT_WAITING: return 0;
    case TTT_MATCH_START:
      out->u.match_start.you = in[1];
      out->u.match_start.opponent = ttt_get_u32(in + 2);
      out->u.match_start.match = ttt_get_u32(in + 6);
      return ttt_valid_mark(in[1], 0) ? 0 : -1;
    case TTT_BOARD:
      for (i = 0; i < 9; ++i) {
        if (!ttt_valid_mark(in[1 + i], 1)) return -1;
        out->u.board.cells[i] = in[1 + i];
      }
      out->u.board.next = in[10];
      out->u.board.turn_ms_left = ttt_get_u32(in + 11);
      return ttt_valid_mark(in[10], 1) ? 0 : -1;
    case TTT_RESULT:
      out->u.result.outcome = in[1];
      out->u.result.reason = in[2];
      return in[1] >= TTT_WIN && in[1] <= TTT_DRAW && in[2] >= TTT_REASON_LINE && in[2] <= TTT_REASON_TIMEOUT
                 ? 0
                 : -1;
    case TTT_ERROR: out->u.error = in[1]; return in[1] >= 1 && in[1] <= TTT_ERR_LAST ? 0 : -1;
    case TTT_OPPONENT:
      out->u.opponent = in[1];
      return in[1] == TTT_OPPONENT_AWAY || in[1] == TTT_OPPONENT_BACK ? 0 : -1;
    default: return -1;
  }
}

/* The size of a server message kind, 0 for a kind that is not one. */
static inline size_t ttt_server_message_size(uint8_t kind) {
  switch (kind) {
    case TTT_WELCOME: return TTT_WELCOME_SIZE;
    case TTT_WAITING: return TTT_WAITING_SIZE;
    case TTT_MATCH_START: return TTT_MATCH_START_SIZE;
    case TTT_BOARD: return TTT_BOARD_SIZE;
    case TTT_RESULT: return TTT_RESULT_SIZE;
    case TTT_ERROR: return TTT_ERROR_SIZE;
    case TTT_OPPONENT: return TTT_OPPONENT_SIZE;
    default: return 0;
  }
}

/* A server message (for clients): 0 and *out filled, or -1 (unknown kind, wrong size, a
 * value out of range). */
static inline int ttt_decode_server(const void* data, size_t size, ttt_server_message* out) {
  const uint8_t* in = (const uint8_t*)data;
  if (size == 0 || !data) return -1;
  if (ttt_server_message_size(in[0]) == 0 || size != ttt_server_message_size(in[0])) return -1;
  out->kind = in[0];
  return ttt_decode_server_fields(in, out);
}

#endif /* TICTACTOE_PROTOCOL_H */
