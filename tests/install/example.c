/* An engine's first use of the installed client library, built out of tree by
 * install_test.sh with nothing but `pkg-config --cflags --libs gameserver-client` and cc
 * (-std=c99 -Wpedantic -Werror). No network: it creates a handle, checks that bad
 * options and arguments are refused, and destroys it. Prints one line per check. */
#include <gameserver/client.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

static void check(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) failures++;
}

int main(void) {
  char error[256] = "";
  char long_game[80];
  gs_client_options options;
  gs_client* client;

  memset(&options, 0, sizeof options);
  options.gateway = "127.0.0.1:7000";
  options.insecure = 1;
  memset(long_game, 'g', 65);
  long_game[65] = '\0';
  options.game = long_game;
  client = gs_client_create(&options, error, sizeof error);
  check(client == NULL && strstr(error, "game") != NULL, "a 65-byte game id is refused");

  options.game = "arena";
  options.gateway = "no port";
  check(gs_client_create(&options, error, sizeof error) == NULL && strstr(error, "host:port") != NULL,
        "a gateway without a port is refused");

  options.gateway = "127.0.0.1:7000";
  client = gs_client_create(&options, error, sizeof error);
  check(client != NULL, "a handle with good options");
  if (!client) return 1;
  check(gs_client_state(client) == GS_STATE_IDLE, "the new handle is idle");
  check(gs_client_set_server_name(client, "") == -1, "an empty server name is refused");
  check(gs_client_login_and_join(client, NULL, "secret", NULL) == -1, "a login without a user is refused");
  check(gs_client_send_chat(client, "hello") == -1, "chat outside the world is refused");
  check(gs_client_send(client, 1, "hi", 2) == -1, "a game message outside the world is refused");
  check(gs_client_poll(client, 0) >= 0, "poll runs");
  check(strcmp(gs_outcome_name(GS_OUTCOME_JOINED), "joined") == 0, "outcome names");
  gs_client_destroy(client);
  gs_client_destroy(NULL);
  printf("%s\n", failures ? "failed" : "all passed");
  return failures ? 1 : 0;
}
