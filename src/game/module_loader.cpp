#include "game/module_loader.hpp"

#include <dlfcn.h>

#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace gs::game {
namespace {

bool valid_name(const char* name) {
  std::size_t n = strnlen(name, 33);
  if (n == 0 || n > 32) return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string dl_error() {
  const char* text = dlerror();
  return text ? text : "unknown dlopen error";
}

}  // namespace

GameModule check_module_table(const std::string& file, const gs_game_module* table) {
  if (!table)
    throw ModuleError(fmt::format("{}: {}() returned NULL instead of its table", file, GS_GAME_ENTRY_NAME));
  if (table->abi_version != GS_GAME_ABI_VERSION)
    throw ModuleError(
        fmt::format("{}: ABI version {}, this world speaks {} (rebuild the module against this "
                    "world's gameserver/game.h)",
                    file, table->abi_version, GS_GAME_ABI_VERSION));
  if (table->size < kModuleV1Size)
    throw ModuleError(
        fmt::format("{}: its table is {} bytes, smaller than ABI version {}'s {} (set `size` to "
                    "sizeof(gs_game_module))",
                    file, table->size, GS_GAME_ABI_VERSION, kModuleV1Size));
  // The fields the module's revision has; later ones stay zero (NULL callbacks).
  GameModule out;
  out.file = file;
  std::memcpy(&out.table, table, std::min<std::size_t>(table->size, sizeof(gs_game_module)));
  if (!out.table.name || !valid_name(out.table.name))
    throw ModuleError(fmt::format("{}: the game's name must be 1 to 32 of a-z, 0-9, '_' and '-'{}", file,
                                  out.table.name ? "" : " (it is NULL)"));
  if (!out.table.start) throw ModuleError(fmt::format("{}: its table has no start callback", file));
  out.name = out.table.name;
  out.version = out.table.version ? out.table.version : "";
  return out;
}

LoadedModule::LoadedModule(const std::string& path) {
  std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();
  handle_ = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw ModuleError(fmt::format("{}: cannot load the module: {}", path, dl_error()));
  try {
    dlerror();
    void* entry = dlsym(handle_, GS_GAME_ENTRY_NAME);
    if (!entry)
      throw ModuleError(fmt::format("{}: no {} symbol (is it exported with GS_GAME_EXPORT / extern \"C\"?)",
                                    path, GS_GAME_ENTRY_NAME));
    auto function = reinterpret_cast<gs_game_module_entry>(entry);
    module_ = check_module_table(path, function());
  } catch (...) {
    dlclose(handle_);
    throw;
  }
}

LoadedModule::~LoadedModule() {
  if (handle_) dlclose(handle_);
}

LoadedModule::LoadedModule(LoadedModule&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), module_(std::move(other.module_)) {}

LoadedModule& LoadedModule::operator=(LoadedModule&& other) noexcept {
  if (this != &other) {
    if (handle_) dlclose(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    module_ = std::move(other.module_);
  }
  return *this;
}

}  // namespace gs::game
