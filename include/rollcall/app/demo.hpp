#pragma once
/// The demo district of API.md §2, built deterministically (join codes aside).

#include <cstdint>
#include <memory>

#include "rollcall/domain/roster.hpp"

namespace rollcall::app {

struct DemoSpec {
  std::uint32_t classes = 12;     ///< `--demo-classes`
  std::uint32_t class_size = 30;  ///< `--demo-class-size`
};

inline constexpr const char* kDemoPassword = "rollcall-demo";

/// admin (id 1); teachers teacher1.. (ids 2..T+1, T = ceil(classes/3)), teacher t
/// teaching classes 3t-2..3t; students student001.. (ids after the teachers),
/// student k enrolled in class ceil(k/class_size); classes 1..N named "Class N".
/// Every account's password is `rollcall-demo` (one Argon2id hash, computed once).
std::shared_ptr<const domain::Roster> build_demo_roster(const DemoSpec& spec);

}  // namespace rollcall::app
