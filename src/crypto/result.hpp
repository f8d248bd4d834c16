#pragma once
// A value or a reason it could not be produced. Used on paths fed by untrusted input,
// where failures are ordinary outcomes rather than exceptions.

#include <cassert>
#include <utility>
#include <variant>

namespace gs::crypto {

template <class E>
struct Failure {
  E reason;
};

template <class E>
Failure<E> fail(E reason) {
  return Failure<E>{reason};
}

template <class T, class E>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Failure<E> f) : v_(std::in_place_index<1>, f.reason) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The reason; only meaningful when !ok().
  E error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

}  // namespace gs::crypto
