#pragma once
// Loading a game module: dlopen() its file, call its entry point gs_game_module_v1()
// and check the table it returns against include/gameserver/game.h. Every problem is a
// ModuleError whose text names the file and says what is wrong in a game developer's
// words; the world prints it and exits 3.

#include <stdexcept>
#include <string>

#include "gameserver/game.h"

namespace gs::game {

class ModuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The size of a version 1 table as version 1 first defined it (through `timer`): a
// table may be larger (a later minor revision) but not smaller.
inline constexpr std::size_t kModuleV1Size = offsetof(gs_game_module, timer) + sizeof(gs_game_module::timer);

// A checked module: where it came from and its callbacks. `table` is a copy of the
// module's table holding only the fields within the module's `size`: callbacks the
// module's revision does not have are NULL here.
struct GameModule {
  std::string file;
  std::string name;
  std::string version;
  gs_game_module table{};
};

// Checks a table the entry point returned; throws ModuleError("FILE: reason").
GameModule check_module_table(const std::string& file, const gs_game_module* table);

// A loaded module file: dlopen(RTLD_NOW | RTLD_LOCAL) on construction, dlclose() on
// destruction. Whatever calls into the module (GameHost) must be gone before this is.
// A path without a '/' is taken relative to the working directory, never searched for
// in the library path.
class LoadedModule {
 public:
  explicit LoadedModule(const std::string& path);
  ~LoadedModule();
  LoadedModule(LoadedModule&& other) noexcept;
  LoadedModule& operator=(LoadedModule&& other) noexcept;
  LoadedModule(const LoadedModule&) = delete;
  LoadedModule& operator=(const LoadedModule&) = delete;

  const GameModule& module() const { return module_; }

 private:
  void* handle_ = nullptr;
  GameModule module_;
};

}  // namespace gs::game
