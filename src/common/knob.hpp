// A tuning knob: one setting's name, default, inclusive range and unit, declared once
// next to the code that uses it. Config structs take their defaults from it, the config
// schema reads YAML within its range, and tests hold the docs' tables to it.
#pragma once

#include <string_view>

namespace gs {

template <class T>
struct Knob {
  std::string_view name;  // as the docs' tables name it
  T def;
  T min;
  T max;
  std::string_view unit;  // "bytes", "ms", "s", ...; what one of T counts

  constexpr bool contains(T v) const { return !(v < min) && !(max < v); }
};

}  // namespace gs
