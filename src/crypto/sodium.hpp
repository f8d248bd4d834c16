#pragma once

namespace gs::crypto {

// Initialises libsodium once; safe to call from any thread, any number of times.
// Every function of this layer calls it, so callers never need to.
void ensure_sodium();

}  // namespace gs::crypto
