#include "rollcall/push/note.hpp"

#include <type_traits>

#include "rollcall/common/json_writer.hpp"

namespace rollcall::push {

namespace {

using domain::PushKind;

struct Action {
  const char* action;
  const char* title;
};

struct Content {
  std::string title, body, url;
  std::optional<Action> action;
};

std::string payload(PushKind kind, const domain::ClassInfo& cls, domain::SessionId session,
                    const Content& c) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("kind").value(domain::to_string(kind));
  w.key("title").value(c.title).key("body").value(c.body).key("url").value(c.url);
  w.key("class_id").value(cls.id.value).key("session_id").value(session.value);
  w.key("actions").begin_array();
  if (c.action) {
    w.begin_object().key("action").value(c.action->action);
    w.key("title").value(c.action->title).end_object();
  }
  w.end_array().end_object();
  return out;
}

std::string class_page(const domain::ClassInfo& cls) {
  return "/class/" + std::to_string(cls.id.value);
}

Note opened(const domain::ClassInfo& cls, domain::SessionId session, std::int64_t event_ms) {
  Note n{PushKind::SessionOpened, cls.id, session, event_ms, {}};
  const std::string p =
      payload(n.kind, cls, session,
              Content{"Attendance is open", cls.name + ": check in now",
                      class_page(cls) + "#check-in", Action{"check_in", "Check in"}});
  for (const domain::UserId student : cls.students) n.messages.push_back({student, p});
  return n;
}

// Each record an event carries is a student's status after the change.
std::optional<Note> changed(const domain::ClassInfo& cls, const domain::Outcome& out,
                            std::int64_t event_ms) {
  Note n{PushKind::StatusChanged, cls.id, out.session, event_ms, {}};
  for (const domain::Event& e : out.events) {
    n.session = e.session;
    for (const domain::Record& r : e.records) {
      const std::string body =
          cls.name + ": you are marked " + std::string(domain::to_string(r.status));
      n.messages.push_back(
          {r.student, payload(n.kind, cls, e.session,
                              Content{"Attendance updated", body, class_page(cls), std::nullopt})});
    }
  }
  if (n.messages.empty()) return std::nullopt;  // a change no one sees (a synced override's time)
  return n;
}

}  // namespace

std::optional<Note> note_for(const domain::ClassInfo& cls, const domain::Command& cmd,
                             const domain::Outcome& out, std::int64_t event_ms) {
  if (!out.applied()) return std::nullopt;
  return std::visit(
      [&](const auto& c) -> std::optional<Note> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, domain::OpenSession>) {
          return opened(cls, out.session, event_ms);
        } else if constexpr (std::is_same_v<T, domain::Override> ||
                             std::is_same_v<T, domain::Bulk> ||
                             std::is_same_v<T, domain::CloseSession>) {
          return changed(cls, out, event_ms);
        } else {
          return std::nullopt;
        }
      },
      cmd);
}

Note missing_digest(const domain::ClassInfo& cls, domain::SessionId session, std::uint32_t missing,
                    std::uint32_t enrolled, std::int64_t now_ms) {
  Note n{PushKind::MissingDigest, cls.id, session, now_ms, {}};
  const std::string body = cls.name + ": " + std::to_string(missing) + " of " +
                           std::to_string(enrolled) + " students have not checked in";
  const std::string p = payload(n.kind, cls, session,
                                Content{"Students missing", body, class_page(cls) + "#roster",
                                        Action{"open_roster", "Open roster"}});
  for (const domain::UserId teacher : cls.teachers) n.messages.push_back({teacher, p});
  return n;
}

std::string topic(domain::PushKind kind, domain::SessionId session) {
  // At most 14 + 1 + 16 characters: session ids stay below 2^53.
  return std::string(domain::to_string(kind)) + "-" + std::to_string(session.value);
}

}  // namespace rollcall::push
