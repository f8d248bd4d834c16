/* Loads a game module the way the world does (dlopen, dlsym of GS_GAME_ENTRY_NAME) and
 * prints its name and whether its ABI version and table size match this C build's. Built by install_test.sh
 * with the installed <gameserver/game.h> as C99. */
#include <dlfcn.h>
#include <gameserver/game.h>
#include <stdio.h>
#include <string.h>

typedef const gs_game_module* (*entry_fn)(void);

int main(int argc, char** argv) {
  void* handle;
  void* symbol;
  entry_fn entry;
  const gs_game_module* module;
  if (argc != 2) return 2;
  handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  symbol = dlsym(handle, GS_GAME_ENTRY_NAME);
  if (!symbol) return 1;
  memcpy(&entry, &symbol, sizeof entry); /* C99 has no object-to-function pointer cast */
  module = entry();
  printf("name %s abi_ok %d size_ok %d\n", module->name, module->abi_version == GS_GAME_ABI_VERSION,
         module->size == sizeof(gs_game_module));
  dlclose(handle);
  return 0;
}
