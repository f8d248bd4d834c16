// Fuzzes the JWT parser and verifier with a fixed key set.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/token_verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto key = gs::crypto::Ed25519PrivateKey::from_seed(std::vector<std::uint8_t>(32, 7));
  gs::crypto::TokenVerifier verifier({"world-1", {}}, {{"k1", key.public_key()}});
  std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)verifier.verify(token, std::chrono::sys_seconds{std::chrono::seconds{1'800'000'000}});
  return 0;
}
