/* The C API, used from C: log in, join, see ourselves in a snapshot, move, chat and
 * hear the chat back, then leave. Compiled as C; the driver (c_api_driver_test.cpp)
 * starts the roles and calls the functions below. */

#include "c_api_test.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gameserver/client.h"
#include "gameserver/game.h"

typedef struct observed {
  int login_done;
  gs_outcome outcome;
  char reason[64];
  char world_id[64];
  uint32_t player_id;
  unsigned snapshots;
  int saw_self;
  unsigned chats_from_self;
  char last_chat[128];
} observed;

static double now_ms(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void on_login(void* user, const gs_login_result* result) {
  observed* o = (observed*)user;
  o->login_done = 1;
  o->outcome = result->outcome;
  snprintf(o->reason, sizeof o->reason, "%s", result->reason);
  snprintf(o->world_id, sizeof o->world_id, "%s", result->world_id);
  o->player_id = result->player_id;
}

static void on_snapshot(void* user, const gs_snapshot* snapshot) {
  observed* o = (observed*)user;
  size_t i;
  ++o->snapshots;
  for (i = 0; i < snapshot->count; ++i)
    if (snapshot->players[i].player_id == o->player_id) o->saw_self = 1;
}

static void on_chat(void* user, const gs_chat* chat) {
  observed* o = (observed*)user;
  if (chat->player_id == o->player_id) {
    ++o->chats_from_self;
    snprintf(o->last_chat, sizeof o->last_chat, "%s", chat->text);
  }
}

/* Polls until `done` becomes nonzero or `limit_ms` pass. */
static int poll_until(gs_client* client, const int* done, double limit_ms) {
  double end = now_ms() + limit_ms;
  while (!*done && now_ms() < end)
    if (gs_client_poll(client, 20) < 0) return 0;
  return *done;
}

#define FAIL(...)                               \
  do {                                          \
    snprintf(report, report_size, __VA_ARGS__); \
    if (client) gs_client_destroy(client);      \
    return 1;                                   \
  } while (0)

/* One login attempt, the gateway checked by `server_name` unless NULL; the handle is
 * returned for the caller to continue with. */
static gs_client* attempt_named(const gs_client_options* options, observed* o, const char* user,
                                const char* password, const char* server_name) {
  gs_client_callbacks callbacks;
  gs_client* client = gs_client_create(options, NULL, 0);
  if (!client) return NULL;
  if (server_name && gs_client_set_server_name(client, server_name) != 0) {
    gs_client_destroy(client);
    return NULL;
  }
  memset(o, 0, sizeof *o);
  memset(&callbacks, 0, sizeof callbacks);
  callbacks.user = o;
  callbacks.on_login = on_login;
  callbacks.on_snapshot = on_snapshot;
  callbacks.on_chat = on_chat;
  gs_client_set_callbacks(client, &callbacks);
  if (gs_client_login_and_join(client, user, password, NULL) != 0) {
    gs_client_destroy(client);
    return NULL;
  }
  poll_until(client, &o->login_done, 10000);
  return client;
}

static gs_client* attempt(const gs_client_options* options, observed* o, const char* user,
                          const char* password) {
  return attempt_named(options, o, user, password, NULL);
}

int c_api_bad_options(char* report, size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  char error[128];
  memset(&options, 0, sizeof options);
  error[0] = '\0';
  if (gs_client_create(NULL, error, sizeof error) != NULL) FAIL("created without options");
  options.gateway = "no port here";
  options.insecure = 1;
  if (gs_client_create(&options, error, sizeof error) != NULL) FAIL("created with a bad gateway address");
  if (strstr(error, "no port here") == NULL) FAIL("error does not name the address: %s", error);
  options.gateway = "127.0.0.1:7000";
  options.insecure = 0;
  options.trust_file = "/nonexistent/ca.pem";
  if (gs_client_create(&options, error, sizeof error) != NULL) FAIL("created with a missing trust file");
  /* A tiny buffer gets a cut, terminated message. */
  if (gs_client_create(&options, error, 4) != NULL || strlen(error) != 3) FAIL("error not cut to size");
  if (gs_client_poll(NULL, 0) != -1 || gs_client_send_input(NULL, 0, 0) != -1) FAIL("NULL handle accepted");
  gs_client_destroy(NULL);
  if (strcmp(gs_outcome_name(GS_OUTCOME_LOGIN_FAILED), "login_failed") != 0) FAIL("outcome name");
  return 0;
}

int c_api_login_flow(const char* gateway, const char* trust_file, const char* game, const char* user,
                     const char* password, char* report, size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  observed o;
  gs_traffic traffic;
  double deadline = now_ms() + 15000;
  memset(&options, 0, sizeof options);
  options.gateway = gateway;
  options.trust_file = trust_file;
  options.game = game;
  options.timeout_ms = 5000;

  /* While the roles' links come up the gateway answers unavailable or no_world. */
  for (;;) {
    client = attempt(&options, &o, user, password);
    if (!client) FAIL("gs_client_create or gs_client_login_and_join failed");
    if (!(o.login_done && o.outcome == GS_OUTCOME_LOGIN_FAILED &&
          (strcmp(o.reason, "unavailable") == 0 || strcmp(o.reason, "no_world") == 0)) ||
        now_ms() > deadline)
      break;
    gs_client_destroy(client);
    client = NULL;
  }
  if (!o.login_done) FAIL("no login result in time");
  if (o.outcome != GS_OUTCOME_JOINED) FAIL("login ended %s: %s", gs_outcome_name(o.outcome), o.reason);
  if (gs_client_state(client) != GS_STATE_IN_WORLD)
    FAIL("state %d after joining", (int)gs_client_state(client));
  if (strcmp(o.world_id, "world-1") != 0 || o.player_id == 0)
    FAIL("joined '%s' as %u", o.world_id, o.player_id);
  if (gs_client_login_and_join(client, user, password, NULL) != -1) FAIL("a second login was accepted");

  if (gs_client_send_input(client, 101, 0) != -1) FAIL("out-of-range input accepted");
  if (gs_client_send_input(client, 100, -50) != 0) FAIL("input refused");
  if (gs_client_send_chat(client, "") != -1) FAIL("empty chat accepted");
  if (gs_client_send_chat(client, "hello from C") != 0) FAIL("chat refused");
  {
    int got = 0;
    double end = now_ms() + 5000;
    while (!got && now_ms() < end) {
      if (gs_client_poll(client, 20) < 0) FAIL("poll failed");
      got = o.saw_self && o.snapshots >= 3 && o.chats_from_self == 1;
    }
    if (!got)
      FAIL("after 5 s: %u snapshots, self seen %d, own chat lines %u", o.snapshots, o.saw_self,
           o.chats_from_self);
  }
  if (strcmp(o.last_chat, "hello from C") != 0) FAIL("chat came back as '%s'", o.last_chat);
  if (gs_client_rtt_ms(client) < 0) FAIL("negative rtt");
  if (gs_client_traffic(client, &traffic) != 0 || traffic.bytes_received == 0 || traffic.packets_sent == 0)
    FAIL("no traffic counted");

  gs_client_close(client);
  if (gs_client_state(client) != GS_STATE_CLOSED) FAIL("state %d after close", (int)gs_client_state(client));
  if (gs_client_send_input(client, 0, 0) != -1) FAIL("input accepted after close");
  {
    unsigned before = o.snapshots;
    double end = now_ms() + 200;
    while (now_ms() < end) gs_client_poll(client, 20);
    if (o.snapshots != before) FAIL("snapshot callback after close");
  }
  gs_client_destroy(client);
  client = NULL;

  /* A wrong password ends in login_failed with the server's reason. */
  client = attempt(&options, &o, user, "not the password");
  if (!client) FAIL("second handle");
  if (!o.login_done || o.outcome != GS_OUTCOME_LOGIN_FAILED || strcmp(o.reason, "bad_credentials") != 0)
    FAIL("wrong password ended %s: %s", gs_outcome_name(o.outcome), o.reason);
  if (gs_client_state(client) != GS_STATE_FAILED)
    FAIL("state %d after a failed login", (int)gs_client_state(client));
  gs_client_destroy(client);
  return 0;
}

int c_api_server_name(const char* gateway, const char* ca_file, const char* game, const char* gateway_name,
                      const char* user, const char* password, char* report, size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  observed o;
  char too_long[300];
  double deadline = now_ms() + 15000;
  memset(&options, 0, sizeof options);
  options.gateway = gateway;
  options.trust_file = ca_file;
  options.game = game;
  options.timeout_ms = 5000;

  client = gs_client_create(&options, NULL, 0);
  if (!client) FAIL("gs_client_create failed");
  memset(too_long, 'a', sizeof too_long - 1);
  too_long[sizeof too_long - 1] = '\0';
  if (gs_client_set_server_name(NULL, "x") != -1 || gs_client_set_server_name(client, NULL) != -1 ||
      gs_client_set_server_name(client, "") != -1 || gs_client_set_server_name(client, too_long) != -1)
    FAIL("a bad server name was accepted");
  gs_client_destroy(client);
  client = NULL;

  /* Without the name the gateway, dialed by address, is refused. */
  client = attempt_named(&options, &o, user, password, NULL);
  if (!client || !o.login_done || o.outcome != GS_OUTCOME_CERTIFICATE)
    FAIL("without a server name the login ended %s: %s", gs_outcome_name(o.outcome), o.reason);
  if (gs_client_set_server_name(client, gateway_name) != -1) FAIL("server name accepted after the login");
  gs_client_destroy(client);
  client = NULL;

  /* A name the certificate does not carry is refused too. */
  client = attempt_named(&options, &o, user, password, "impostor.example");
  if (!client || !o.login_done || o.outcome != GS_OUTCOME_CERTIFICATE)
    FAIL("another server name ended %s: %s", gs_outcome_name(o.outcome), o.reason);
  gs_client_destroy(client);
  client = NULL;

  /* With the gateway's name (the world is checked by its address). */
  for (;;) {
    client = attempt_named(&options, &o, user, password, gateway_name);
    if (!client) FAIL("gs_client_create or gs_client_set_server_name failed");
    if (!(o.login_done && o.outcome == GS_OUTCOME_LOGIN_FAILED &&
          (strcmp(o.reason, "unavailable") == 0 || strcmp(o.reason, "no_world") == 0)) ||
        now_ms() > deadline)
      break;
    gs_client_destroy(client);
    client = NULL;
  }
  if (!o.login_done || o.outcome != GS_OUTCOME_JOINED)
    FAIL("with the server name the login ended %s: %s", gs_outcome_name(o.outcome), o.reason);
  gs_client_destroy(client);
  return 0;
}

/* A string of `n` copies of 'a' in `buffer` (at least n + 1 bytes). */
static const char* repeated(char* buffer, size_t n) {
  memset(buffer, 'a', n);
  buffer[n] = '\0';
  return buffer;
}

int c_api_over_long_fields(const char* gateway, const char* trust_file, const char* game, char* report,
                           size_t report_size) {
  static char long_text[2048];
  gs_client* client = NULL;
  gs_client_options options;
  char error[128];
  observed o;
  memset(&options, 0, sizeof options);
  memset(&o, 0, sizeof o);
  options.gateway = gateway;
  options.trust_file = trust_file;
  options.game = game;
  options.timeout_ms = 5000;
  client = gs_client_create(&options, error, sizeof error);
  if (!client) FAIL("create: %s", error);
  {
    gs_client_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.user = &o;
    callbacks.on_login = on_login;
    gs_client_set_callbacks(client, &callbacks);
  }
  /* Before the fix this call was accepted and the encoder's assert aborted the whole
   * process once the gateway connection came up; poll a while to let that show. */
  if (gs_client_login_and_join(client, repeated(long_text, 65), "pw", NULL) != -1) {
    poll_until(client, &o.login_done, 3000);
    FAIL("a 65-byte user was accepted");
  }
  if (gs_client_login_and_join(client, "carol", repeated(long_text, 1025), NULL) != -1)
    FAIL("a 1025-byte password was accepted");
  if (gs_client_login_and_join(client, "carol", "pw", repeated(long_text, 65)) != -1)
    FAIL("a 65-byte world was accepted");
  if (gs_client_login_and_join(client, "", "pw", NULL) != -1) FAIL("an empty user was accepted");
  if (gs_client_state(client) != GS_STATE_IDLE)
    FAIL("state %d after refused calls", (int)gs_client_state(client));
  /* The limits themselves are accepted. */
  if (gs_client_login_and_join(client, repeated(long_text, 64), "pw", NULL) != 0)
    FAIL("a 64-byte user was refused");
  gs_client_destroy(client);
  client = NULL;

  options.game = repeated(long_text, 65);
  error[0] = '\0';
  client = gs_client_create(&options, error, sizeof error);
  if (client) FAIL("a 65-byte game was accepted");
  if (strstr(error, "game") == NULL) FAIL("error does not name the game: %s", error);
  return 0;
}

int c_api_close_stops_login(const char* gateway, const char* trust_file, const char* game, const char* user,
                            const char* password, int attempts, char* report, size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  observed o;
  int i;
  memset(&options, 0, sizeof options);
  options.gateway = gateway;
  options.trust_file = trust_file;
  options.game = game;
  options.timeout_ms = 5000;
  for (i = 0; i < attempts; ++i) {
    gs_client_callbacks callbacks;
    int never = 0;
    client = gs_client_create(&options, NULL, 0);
    if (!client) FAIL("create");
    memset(&o, 0, sizeof o);
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.user = &o;
    callbacks.on_login = on_login;
    gs_client_set_callbacks(client, &callbacks);
    if (gs_client_login_and_join(client, user, "not the password", NULL) != 0) FAIL("login refused");
    /* Closed while the login is under way: its first datagram is out, nothing more. No
       poll in between: with the roles answering from another thread, one poll can carry
       a whole login through, and a wrong password would then reach auth. */
    gs_client_close(client);
    /* Whatever was under way has time to go out (it must not). */
    poll_until(client, &never, 1000);
    if (o.login_done) FAIL("on_login called after close (%s: %s)", gs_outcome_name(o.outcome), o.reason);
    if (gs_client_state(client) != GS_STATE_CLOSED)
      FAIL("state %d after close", (int)gs_client_state(client));
    gs_client_destroy(client);
    client = NULL;
  }
  /* Had the wrong passwords reached auth, the account would now be throttled. */
  client = attempt(&options, &o, user, password);
  if (!client) FAIL("last handle");
  if (!o.login_done || o.outcome != GS_OUTCOME_JOINED)
    FAIL("the right password ended %s: %s", gs_outcome_name(o.outcome), o.reason);
  gs_client_destroy(client);
  return 0;
}

/* What the resume callbacks saw, in order ("r1" reconnecting attempt 1, "R" resumed,
 * "s8:1" player 8 suspended), and whether input and chat were refused meanwhile. */
typedef struct resume_observed {
  gs_client* client;
  char order[64];
  int refused_while_reconnecting;
  int state_while_reconnecting;
  int login_done;
  gs_outcome outcome;
  int welcomed_back;
} resume_observed;

static void append(resume_observed* r, const char* text) {
  size_t used = strlen(r->order);
  snprintf(r->order + used, sizeof r->order - used, "%s%s", used ? " " : "", text);
}

static void on_resume_login(void* user, const gs_login_result* result) {
  resume_observed* r = (resume_observed*)user;
  r->login_done = 1;
  r->outcome = result->outcome;
}

static void on_reconnecting(void* user, uint32_t attempt) {
  resume_observed* r = (resume_observed*)user;
  char text[16];
  snprintf(text, sizeof text, "r%u", (unsigned)attempt);
  append(r, text);
  r->state_while_reconnecting = (int)gs_client_state(r->client);
  r->refused_while_reconnecting =
      gs_client_send_chat(r->client, "lost") == -1 && gs_client_send_input(r->client, 1, 1) == -1;
}

static void on_resumed(void* user, double ms) {
  resume_observed* r = (resume_observed*)user;
  append(r, ms >= 0 ? "R" : "R?");
}

static void on_player_status(void* user, uint32_t player_id, int suspended) {
  resume_observed* r = (resume_observed*)user;
  char text[24];
  snprintf(text, sizeof text, "s%u:%d", (unsigned)player_id, suspended);
  append(r, text);
}

static void on_resume_chat(void* user, const gs_chat* chat) {
  resume_observed* r = (resume_observed*)user;
  if (strcmp(chat->text, "welcome back") == 0) r->welcomed_back = 1;
}

int c_api_resume(const char* gateway, const char* trust_file, const char* game, int with_callbacks,
                 char* report, size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  gs_client_callbacks callbacks;
  resume_observed r;
  memset(&options, 0, sizeof options);
  memset(&callbacks, 0, sizeof callbacks);
  memset(&r, 0, sizeof r);
  options.gateway = gateway;
  options.trust_file = trust_file;
  options.game = game;
  options.resume_after_ms = 300;
  client = gs_client_create(&options, NULL, 0);
  if (!client) FAIL("gs_client_create failed");
  r.client = client;
  callbacks.user = &r;
  callbacks.on_login = on_resume_login;
  callbacks.on_chat = on_resume_chat;
  if (with_callbacks) {
    callbacks.on_reconnecting = on_reconnecting;
    callbacks.on_resumed = on_resumed;
    callbacks.on_player_status = on_player_status;
  }
  gs_client_set_callbacks(client, &callbacks);
  if (gs_client_login_and_join(client, "alice", "pw", NULL) != 0) FAIL("login refused");
  if (!poll_until(client, &r.login_done, 10000) || r.outcome != GS_OUTCOME_JOINED) FAIL("not joined");
  /* The stand-in world goes silent when it hears this, and tells of player 8 meanwhile. */
  if (gs_client_send_chat(client, "break") != 0) FAIL("chat refused");
  /* The world says so after the resume, once it replayed what we missed. */
  if (!poll_until(client, &r.welcomed_back, 10000))
    FAIL("not welcomed back, state %d", (int)gs_client_state(client));
  if (gs_client_state(client) != GS_STATE_IN_WORLD)
    FAIL("state %d after the resume", (int)gs_client_state(client));
  if (with_callbacks) {
    if (strcmp(r.order, "r1 R s8:1") != 0) FAIL("callbacks in this order: '%s'", r.order);
    if (r.state_while_reconnecting != GS_STATE_RECONNECTING || !r.refused_while_reconnecting)
      FAIL("while reconnecting: state %d, input and chat refused %d", r.state_while_reconnecting,
           r.refused_while_reconnecting);
  }
  if (gs_client_send_chat(client, "back") != 0) FAIL("chat refused after the resume");
  gs_client_close(client);
  gs_client_destroy(client);
  return 0;
}

typedef struct messages_observed {
  int login_done;
  gs_outcome outcome;
  /* The world's messages by lane (1..4): the last one's text, and how many came. */
  char text[5][32];
  int count[5];
  int all_in; /* one on each lane */
  int echoes; /* the world's "echo ..." lines on lane 1 */
  int echoes_done;
  int null_data;
  char echoed[160];
} messages_observed;

static void on_messages_login(void* user, const gs_login_result* result) {
  messages_observed* m = (messages_observed*)user;
  m->login_done = 1;
  m->outcome = result->outcome;
}

static void on_message(void* user, uint8_t lane, const void* data, size_t size) {
  messages_observed* m = (messages_observed*)user;
  char text[32];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  if (!data) m->null_data = 1;
  if (lane < 1 || lane > 4 || !data) return;
  memcpy(text, data, n);
  text[n] = '\0';
  if (lane == 1 && strncmp(text, "echo ", 5) == 0) {
    size_t used = strlen(m->echoed);
    snprintf(m->echoed + used, sizeof m->echoed - used, "%s%s", used ? "," : "", text + 5);
    if (++m->echoes == 5) m->echoes_done = 1;
    return;
  }
  snprintf(m->text[lane], sizeof m->text[lane], "%s", text);
  m->count[lane]++;
  if (m->count[1] && m->count[2] && m->count[3] && m->count[4] && !m->all_in) m->all_in = 1;
}

int c_api_messages(const char* gateway, const char* trust_file, const char* game, char* report,
                   size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  gs_client_callbacks callbacks;
  messages_observed m;
  static char big[GS_GAME_MAX_MESSAGE + 1];
  int lane;
  memset(&options, 0, sizeof options);
  memset(&callbacks, 0, sizeof callbacks);
  memset(&m, 0, sizeof m);
  options.gateway = gateway;
  options.trust_file = trust_file;
  options.game = game;
  if (gs_client_send(NULL, 1, "x", 1) != -1) FAIL("a NULL handle sent");
  client = gs_client_create(&options, NULL, 0);
  if (!client) FAIL("gs_client_create failed");
  callbacks.user = &m;
  callbacks.on_login = on_messages_login;
  callbacks.on_message = on_message;
  gs_client_set_callbacks(client, &callbacks);
  if (gs_client_send(client, 1, "x", 1) != -1) FAIL("sent before joining");
  if (gs_client_login_and_join(client, "alice", "pw", NULL) != 0) FAIL("login refused");
  if (!poll_until(client, &m.login_done, 10000) || m.outcome != GS_OUTCOME_JOINED) FAIL("not joined");
  /* The stand-in world sends one message on each lane when we join. */
  if (!poll_until(client, &m.all_in, 10000))
    FAIL("messages on lanes 1..4: %d %d %d %d", m.count[1], m.count[2], m.count[3], m.count[4]);
  if (strcmp(m.text[1], "r") != 0 || strcmp(m.text[2], "u") != 0 || strcmp(m.text[3], "s") != 0 ||
      strcmp(m.text[4], "x") != 0)
    FAIL("received '%s' '%s' '%s' '%s' (lane 2 without its number)", m.text[1], m.text[2], m.text[3],
         m.text[4]);
  if (gs_client_send(client, 0, "c", 1) != -1) FAIL("sent on lane 0");
  if (gs_client_send(client, 5, "c", 1) != -1) FAIL("sent on lane 5");
  if (gs_client_send(client, 1, NULL, 3) != -1) FAIL("sent NULL data with a size");
  if (gs_client_send(client, 1, big, sizeof big) != -1) FAIL("sent an over-long message");
  /* The world echoes each on lane 1: "echo LANE:TEXT". */
  for (lane = 1; lane <= 4; ++lane) {
    char text[8];
    snprintf(text, sizeof text, "c%d", lane);
    if (gs_client_send(client, (uint8_t)lane, text, strlen(text)) != 0) FAIL("lane %d refused", lane);
  }
  if (gs_client_send(client, 2, NULL, 0) != 0) FAIL("an empty message (NULL data) refused");
  if (!poll_until(client, &m.echoes_done, 10000)) FAIL("echoes: '%s'", m.echoed);
  if (m.null_data) FAIL("on_message had NULL data");
  gs_client_close(client);
  gs_client_destroy(client);
  return 0;
}

/* A program built against an older header: its structs end before the members added
 * since. The library must read only what the program's size covers. */
static void on_message_beyond(void* user, uint8_t lane, const void* data, size_t size) {
  (void)lane, (void)data, (void)size;
  ((messages_observed*)user)->null_data = 1; /* "called at all" */
}

int c_api_older_structs(const char* gateway, const char* trust_file, const char* game, char* report,
                        size_t report_size) {
  gs_client* client = NULL;
  gs_client_options options;
  gs_client_callbacks callbacks;
  messages_observed m;
  int waited = 0;
  memset(&options, 0, sizeof options);
  memset(&callbacks, 0, sizeof callbacks);
  memset(&m, 0, sizeof m);
  options.gateway = gateway;
  options.trust_file = trust_file;
  options.game = game;
  options.resume_after_ms = 5; /* refused (under 40 ms) by a library that reads it */
  if (gs_client_create_sized(&options, sizeof options, NULL, 0) != NULL)
    FAIL("a 5 ms resume_after was accepted");
  client = gs_client_create_sized(&options, offsetof(gs_client_options, resume_after_ms), NULL, 0);
  if (!client) FAIL("options without resume_after_ms were refused");
  callbacks.user = &m;
  callbacks.on_login = on_messages_login;
  callbacks.on_message = on_message_beyond; /* beyond the older struct: must be ignored */
  gs_client_set_callbacks_sized(client, &callbacks, offsetof(gs_client_callbacks, on_message));
  if (gs_client_login_and_join(client, "alice", "pw", NULL) != 0) FAIL("login refused");
  if (!poll_until(client, &m.login_done, 10000) || m.outcome != GS_OUTCOME_JOINED) FAIL("not joined");
  /* The stand-in world sends a message on each lane at the join; give them time. */
  poll_until(client, &waited, 500);
  if (m.null_data) FAIL("on_message was called though the program's callbacks end before it");
  gs_client_close(client);
  gs_client_destroy(client);
  return 0;
}
