#include "game/module_loader.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>

#include "game_support.hpp"

namespace {

using gs::game::LoadedModule;
using gs::game::ModuleError;
using gs::test::module_path;

template <class F>
bool present(F* callback) {
  return callback != nullptr;
}

std::string load_error(const std::string& path) {
  try {
    LoadedModule module(path);
  } catch (const ModuleError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("module loader: a good C module loads with its name, version and the callbacks it has") {
  LoadedModule loaded(module_path("GS_TEST_MODULE_C"));
  const auto& m = loaded.module();
  CHECK(m.file == module_path("GS_TEST_MODULE_C"));
  CHECK(m.name == "c_echo");
  CHECK(m.version == "1.2.3");
  CHECK(present(m.table.start));
  CHECK(present(m.table.message));
  CHECK_FALSE(present(m.table.player_suspended));
  CHECK_FALSE(present(m.table.player_resumed));
}

TEST_CASE("module loader: a module built for ABI version 2 is refused, saying both versions") {
  std::string path = module_path("GS_TEST_MODULE_TABLE_ABI2");
  CHECK(load_error(path).starts_with(path + ": ABI version 2, this world speaks 1"));
}

TEST_CASE("module loader: a module without the entry symbol is refused, suggesting the export") {
  std::string path = module_path("GS_TEST_MODULE_TABLE_NO_ENTRY");
  CHECK(load_error(path) ==
        path + ": no gs_game_module_v1 symbol (is it exported with GS_GAME_EXPORT / extern \"C\"?)");
}

TEST_CASE("module loader: a missing file is refused with the file and dlopen's reason") {
  std::string error = load_error("/nonexistent/games/x.so");
  CHECK(error.starts_with("/nonexistent/games/x.so: cannot load the module: "));
  CHECK(error.find("No such file") != std::string::npos);
}

TEST_CASE("module loader: a file name without a directory is not searched for in the library path") {
  // libc.so.6 is always in the library path; as a relative path it does not exist here.
  std::string error = load_error("libc.so.6");
  CHECK(error.starts_with("libc.so.6: cannot load the module: ./libc.so.6"));
}

TEST_CASE("module loader: a NULL table, a bad name, no start or a table smaller than version 1 are refused") {
  std::string null_table = module_path("GS_TEST_MODULE_TABLE_NULL");
  CHECK(load_error(null_table) == null_table + ": gs_game_module_v1() returned NULL instead of its table");
  std::string bad_name = module_path("GS_TEST_MODULE_TABLE_BAD_NAME");
  CHECK(load_error(bad_name) == bad_name + ": the game's name must be 1 to 32 of a-z, 0-9, '_' and '-'");
  std::string no_start = module_path("GS_TEST_MODULE_TABLE_NO_START");
  CHECK(load_error(no_start) == no_start + ": its table has no start callback");
  std::string small = module_path("GS_TEST_MODULE_TABLE_SMALL");
  CHECK(load_error(small).starts_with(small + ": its table is "));
  CHECK(load_error(small).find("smaller than ABI version 1's") != std::string::npos);
}

TEST_CASE(
    "module loader: a table from a later minor revision (larger) loads; its extra fields are not read") {
  LoadedModule loaded(module_path("GS_TEST_MODULE_TABLE_BIGGER"));
  CHECK(loaded.module().name == "table");
  CHECK(loaded.module().table.size > sizeof(gs_game_module));
  CHECK_FALSE(present(loaded.module().table.timer));
}

TEST_CASE("module loader: a loaded module moves; the moved-from one unloads nothing") {
  LoadedModule a(module_path("GS_TEST_MODULE_C"));
  LoadedModule b = std::move(a);
  CHECK(b.module().name == "c_echo");
  LoadedModule c(module_path("GS_TEST_MODULE_CPP"));
  c = std::move(b);
  CHECK(c.module().name == "c_echo");
}

TEST_CASE(
    "module symbols: modules built with hidden visibility export gs_game_module_v1 and nothing else of "
    "theirs") {
  for (const char* module : {"GS_TEST_MODULE_C", "GS_TEST_MODULE_CPP"}) {
    CAPTURE(module);
    CHECK(gs::test::own_exports(module_path(module)) == std::set<std::string>{"gs_game_module_v1"});
  }
}
