#include "crypto/sodium.hpp"

#include <sodium.h>

#include <stdexcept>

namespace gs::crypto {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)ready;
}

}  // namespace gs::crypto
