// Fuzzes the config loader: any text either loads or throws ConfigError, nothing else.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)gs::config::load_text(text, "fuzz.yaml", "/fuzz");
  } catch (const gs::config::ConfigError&) {
  }
  return 0;
}
