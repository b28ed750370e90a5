#pragma once
// The answers of POST /api/v1/admin/oneroster (docs/api.md "Roster import").

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rollcall/api/reply.hpp"
#include "rollcall/app/oneroster.hpp"
#include "rollcall/wire/errors.hpp"

namespace rollcall::app {

/// One problem of a refused import: the file and line it is about (line 0: the
/// file as a whole; file "": the upload as a whole).
struct ImportProblem {
  std::string file;
  std::uint64_t line = 0;
  std::string message;
};

/// Splits an import error ("users.csv line 4: ...", "classes.csv: ...", anything
/// else) into the file and line it names and what is wrong.
ImportProblem problem_of(const std::string& error);

/// 422 invalid_roster with `errors`, one per line of `error` (merge_oneroster's
/// problems): nothing was imported.
api::Reply invalid_roster(const std::string& error);
/// 413 roster_too_large: the merged roster is more than one log record holds.
wire::Error roster_too_large(std::size_t bytes);
/// 200 with the counts and the new users' initial passwords.
api::Reply import_reply(const ImportSummary& s,
                        const std::vector<std::pair<std::string, std::string>>& passwords);

}  // namespace rollcall::app
