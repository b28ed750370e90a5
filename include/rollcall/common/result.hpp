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

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

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
  T& operator*() { return value(); }

  const std::string& error() const {
    RC_ASSERT(!ok());
    return std::get<Error>(v_).message;
  }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace rollcall
