#include "rollcall/api/push_notes.hpp"

#include "rollcall/api/shard_api.hpp"
#include "rollcall/push/worker.hpp"

namespace rollcall::api {

std::int64_t digest_due_ms(const domain::Session& session) {
  return session.starts_at_ms + std::int64_t{session.late_after_minutes} * 60'000;
}

void push_durable(ShardApi& api, domain::ClassId cls, const std::optional<push::Note>& note) {
  if (!note || api.services.push_worker == nullptr) return;
  if (note->kind == domain::PushKind::SessionOpened && api.owner.owns(cls)) {
    const domain::Session* s = api.owner.attendance(cls).session(note->session);
    if (s != nullptr) api.push_digests.add(cls, s->id, digest_due_ms(*s));
  }
  api.services.push_worker->notify(*note);
}

void DigestSchedule::add(domain::ClassId cls, domain::SessionId session, std::int64_t due_ms) {
  auto [it, fresh] = by_class_.try_emplace(cls, due_ms, session);
  if (!fresh) {
    by_due_.erase({it->second.first, cls});
    it->second = {due_ms, session};
  }
  by_due_.insert({due_ms, cls});
}

bool DigestSchedule::run(ShardApi& api, std::int64_t now_ms) {
  bool did = false;
  while (!by_due_.empty() && by_due_.begin()->first <= now_ms) {
    const domain::ClassId cls = by_due_.begin()->second;
    const domain::SessionId session = by_class_.at(cls).second;
    owner::Owner& owner = api.owner;
    if (owner.owns(cls) && !owner.settled(cls)) break;  // the next turn, once durable
    by_due_.erase(by_due_.begin());
    by_class_.erase(cls);
    did = true;
    const domain::ClassInfo* info = api.roster().class_info(cls);
    const domain::Session* open = owner.owns(cls) ? owner.attendance(cls).open_session() : nullptr;
    if (info == nullptr || open == nullptr || open->id != session || owner.tainted(cls)) continue;
    const domain::Counts counts = domain::count(*info, *open);
    if (api.services.push_worker != nullptr) {
      api.services.push_worker->notify(
          push::missing_digest(*info, session, counts.unmarked, counts.total, now_ms));
    }
  }
  return did;
}

}  // namespace rollcall::api
