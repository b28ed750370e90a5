#pragma once
/// Result<T>: a value or an error message, for expected failures on start-up and
/// configuration paths (C++20 has no std::expected). Hot paths use error enums.

#include <string>
#include <utility>
#include <variant>

#include "rollcall/common/assert.hpp"

namespace rollcall {

struct Error {
  std::string message;
};

/// A value or an error of type E, for expected failures whose error is a value of
/// its own (an API error: status, code, message).
template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Expected(E error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() {
    RC_ASSERT(ok());
    return std::get<T>(v_);
  }
  const T& value() const {
    RC_ASSERT(ok());
    return std::get<T>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  const E& error() const {
    RC_ASSERT(!ok());
    return std::get<E>(v_);
  }

 private:
  std::variant<T, E> v_;
};

/// Result<T>: a value or an error message.
template <typename T>
class [[nodiscard]] Result : public Expected<T, Error> {
 public:
  using Expected<T, Error>::Expected;
  /// The error's message.
  const std::string& error() const { return Expected<T, Error>::error().message; }
};

/// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace rollcall
