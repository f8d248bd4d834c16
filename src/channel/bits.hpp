// Bit sets kept in arrays of 64-bit words (receive windows, acknowledged parts).
#pragma once

#include <cstdint>

namespace gs::channel {

inline bool test_bit(const std::uint64_t* bits, std::uint64_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }
inline void set_bit(std::uint64_t* bits, std::uint64_t i) { bits[i >> 6] |= std::uint64_t{1} << (i & 63); }
inline void clear_bit(std::uint64_t* bits, std::uint64_t i) {
  bits[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
}

}  // namespace gs::channel
