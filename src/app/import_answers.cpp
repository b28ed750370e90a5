#include "src/app/import_answers.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "rollcall/common/assert.hpp"

namespace rollcall::app {

ImportProblem problem_of(const std::string& error) {
  for (const std::string_view file : {"users.csv", "classes.csv", "enrollments.csv"}) {
    if (error.rfind(file, 0) != 0) continue;
    std::string_view rest = std::string_view(error).substr(file.size());
    std::uint64_t line = 0;
    constexpr std::string_view kLine = " line ";
    if (rest.substr(0, kLine.size()) == kLine) {
      const char* first = rest.data() + kLine.size();
      const auto [end, ec] = std::from_chars(first, rest.data() + rest.size(), line);
      if (ec != std::errc()) break;
      rest = std::string_view(end, static_cast<std::size_t>(rest.data() + rest.size() - end));
    }
    if (rest.substr(0, 2) != ": ") break;
    return ImportProblem{std::string(file), line, std::string(rest.substr(2))};
  }
  return ImportProblem{"", 0, error};
}

api::Reply invalid_roster(const std::string& error) {
  std::vector<ImportProblem> problems;
  for (std::size_t start = 0; start <= error.size() && problems.size() < kImportProblemsMax;) {
    const std::size_t end = std::min(error.find('\n', start), error.size());
    problems.push_back(problem_of(error.substr(start, end - start)));
    start = end + 1;
  }
  RC_ASSERT(!problems.empty());
  const std::string message = std::to_string(problems.size()) +
                              (problems.size() == 1 ? " problem" : " problems") +
                              " in the roster; nothing was imported";
  return api::json_reply(422, [&](JsonWriter& w) {
    w.begin_object().key("error").begin_object();
    w.field("code", "invalid_roster").field("message", message).end_object();
    w.key("errors").begin_array();
    for (const ImportProblem& p : problems) {
      w.begin_object().field("file", p.file).field("line", p.line);
      w.field("message", p.message).end_object();
    }
    w.end_array().end_object();
  });
}

wire::Error roster_too_large(std::size_t bytes) {
  return wire::Error{413, "roster_too_large",
                     "the imported roster would be " + std::to_string(bytes >> 20) +
                         " MiB, more than an import on the running server can save (16 MiB): "
                         "import it with `rollcall import` while the server is stopped"};
}

api::Reply import_reply(const ImportSummary& s,
                        const std::vector<std::pair<std::string, std::string>>& passwords) {
  return api::json_reply(200, [&](JsonWriter& w) {
    w.begin_object()
        .field("users_added", static_cast<std::uint64_t>(s.users_added))
        .field("users_updated", static_cast<std::uint64_t>(s.users_updated))
        .field("users_disabled", static_cast<std::uint64_t>(s.users_disabled))
        .field("users_skipped", static_cast<std::uint64_t>(s.users_skipped))
        .field("classes_added", static_cast<std::uint64_t>(s.classes_added))
        .field("classes_updated", static_cast<std::uint64_t>(s.classes_updated))
        .field("classes_skipped", static_cast<std::uint64_t>(s.classes_skipped))
        .field("enrollments_added", static_cast<std::uint64_t>(s.enrollments_added))
        .field("enrollments_kept", static_cast<std::uint64_t>(s.enrollments_kept))
        .field("enrollments_skipped", static_cast<std::uint64_t>(s.enrollments_skipped));
    w.key("initial_passwords").begin_array();
    for (const auto& [user, password] : passwords) {
      w.begin_object().field("username", user).field("password", password).end_object();
    }
    w.end_array().end_object();
  });
}

}  // namespace rollcall::app
