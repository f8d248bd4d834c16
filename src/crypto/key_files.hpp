#pragma once
// Small files holding keys and secrets: read with size and permission checks, written
// with a chosen mode, never silently replaced.

#include <sys/types.h>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "crypto/secret.hpp"

namespace gs::crypto {

enum class FileAccess {
  any,         // world-readable is fine (public keys, certificates)
  owner_only,  // refuse files with any group or other permission bit (mode & 077)
};

// Reads the whole of `path` (a regular file, at most `max_bytes`) into wiping memory.
// Throws std::runtime_error with the path and the cause.
SecretBuffer read_key_file(const std::filesystem::path& path, std::size_t max_bytes, FileAccess access);

// Writes `bytes` to `path` with permission `mode` (0600 for private material).
// Without `overwrite` an existing file is an error and is left untouched; with it the
// file is replaced atomically (a temporary file beside it, then rename).
// Throws std::runtime_error with the path and the cause.
void write_key_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes, mode_t mode,
                    bool overwrite);

}  // namespace gs::crypto
