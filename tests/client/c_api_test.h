/* The C half of the C API test (c_api_test.c): each returns 0 on success, or 1 with
 * what went wrong written to `report`. */
#ifndef GS_TEST_C_API_TEST_H
#define GS_TEST_C_API_TEST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int c_api_bad_options(char* report, size_t report_size);
int c_api_login_flow(const char* gateway, const char* trust_file, const char* game, const char* user,
                     const char* password, char* report, size_t report_size);
/* With a CA as trust: the gateway refused without `gateway_name` and with another
 * name, joined with it. */
int c_api_server_name(const char* gateway, const char* ca_file, const char* game, const char* gateway_name,
                      const char* user, const char* password, char* report, size_t report_size);
/* Over-long user, password, world and game: each call answers an error, none aborts. */
int c_api_over_long_fields(const char* gateway, const char* trust_file, const char* game, char* report,
                           size_t report_size);
/* Logins closed at once with a wrong password never reach the server (they would
 * count as failures and lock the account), and no callback follows the close. */
int c_api_close_stops_login(const char* gateway, const char* trust_file, const char* game, const char* user,
                            const char* password, int attempts, char* report, size_t report_size);

/* Against a stand-in world that goes silent when it hears the chat line "break": the
 * handle reconnects and resumes; with `with_callbacks`, on_reconnecting, on_resumed and
 * on_player_status come in that order, else the new callbacks are NULL. */
int c_api_resume(const char* gateway, const char* trust_file, const char* game, int with_callbacks,
                 char* report, size_t report_size);

/* Against a stand-in world that sends "r", "u" (numbered), "s" and "x" on lanes 1..4
 * when the player joins and echoes each game message back on lane 1 as "echo LANE:TEXT":
 * receives them, sends one on each lane and an empty one, and is refused lane 0, lane 5,
 * NULL data with a size and an over-long message. */
int c_api_older_structs(const char* gateway, const char* trust_file, const char* game, char* report,
                        size_t report_size);
int c_api_messages(const char* gateway, const char* trust_file, const char* game, char* report,
                   size_t report_size);

#ifdef __cplusplus
}
#endif

#endif
