/* A module whose table is wrong in one way, chosen at build time (tests/game/meson.build
 * builds one library per variant):
 *   TABLE_ABI=n       abi_version n
 *   TABLE_NAME="x"    the game's name
 *   TABLE_NO_START    no start callback
 *   TABLE_NO_ENTRY    exports its entry under another name
 *   TABLE_NULL        the entry point returns NULL
 *   TABLE_SMALL       `size` smaller than version 1's table
 *   TABLE_BIGGER      a table from a later minor revision: larger, with fields after `timer`
 *   TABLE_START_FAILS start refuses with a message */
#include <stdio.h>
#include <string.h>

#include "gameserver/game.h"

#ifndef TABLE_ABI
#define TABLE_ABI GS_GAME_ABI_VERSION
#endif
#ifndef TABLE_NAME
#define TABLE_NAME "table"
#endif

static int start(gs_host* host, const gs_host_api* api, const gs_setting* settings, size_t settings_count,
                 void** game, char* error, size_t error_size) {
  (void)host, (void)api, (void)settings, (void)settings_count;
  *game = NULL;
#ifdef TABLE_START_FAILS
  snprintf(error, error_size, "no map named \"%s\"", "moon");
  return 7;
#else
  (void)error, (void)error_size;
  return 0;
#endif
}

/* A later revision's table: version 1's fields, then one more callback. */
typedef struct bigger_module {
  gs_game_module v1;
  int (*later_callback)(void* game);
} bigger_module;

static bigger_module table = {{TABLE_ABI, sizeof(gs_game_module), TABLE_NAME, "0.0.1", start, NULL, NULL,
                               NULL, NULL, NULL, NULL, NULL, NULL},
                              NULL};

static const gs_game_module* entry(void) {
#if defined(TABLE_NULL)
  return table.v1.abi_version == 0 ? &table.v1 : NULL; /* NULL */
#else
#if defined(TABLE_NO_START)
  table.v1.start = NULL;
#endif
#if defined(TABLE_SMALL)
  table.v1.size = (uint32_t)offsetof(gs_game_module, tick);
#elif defined(TABLE_BIGGER)
  table.v1.size = (uint32_t)sizeof(bigger_module);
#endif
  return &table.v1;
#endif
}

#ifdef TABLE_NO_ENTRY
GS_GAME_EXPORT const gs_game_module* game_module_entry(void) { return entry(); }
#else
const gs_game_module* gs_game_module_v1(void) { return entry(); }
#endif
