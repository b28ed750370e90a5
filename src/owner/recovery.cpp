#include "rollcall/owner/recovery.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace rollcall::owner {

namespace {

using domain::ClassId;
using domain::ClassInfo;
using domain::Command;
using domain::UserId;

// The roster owner's enrollments and online imports after the roster checkpoint.
Status apply_enrollments(const storage::ShardHistory& shard0,
                         std::shared_ptr<const domain::Roster>& roster) {
  for (const storage::LoggedCommand& r : shard0.commands) {
    if (const auto* i = std::get_if<domain::ImportRoster>(&r.command)) {
      if (i->roster_version > roster->version()) roster = i->image.roster;
      continue;
    }
    const auto* e = std::get_if<domain::Enroll>(&r.command);
    if (e == nullptr || e->roster_version <= roster->version()) continue;
    if (roster->user(e->student) == nullptr || roster->class_info(e->cls) == nullptr) {
      return Error{"shard 0 LSN " + std::to_string(r.lsn) +
                   ": enrollment of unknown student or class"};
    }
    roster = roster->with_enrollment(e->student, e->cls);
  }
  return Ok{};
}

// The roster owner's push directory changes after its checkpoint: each applied
// live, so each must apply again.
Status apply_push_commands(const storage::ShardHistory& shard0, domain::PushDirectory& push) {
  for (const storage::LoggedCommand& r : shard0.commands) {
    if (!domain::is_push_command(r.command)) continue;
    if (!domain::apply_push(push, r.command).applied) {
      return Error{"shard 0 LSN " + std::to_string(r.lsn) + " (" + domain::name_of(r.command) +
                   "): it does not apply to the push directory"};
    }
  }
  return Ok{};
}

// Each class as it was at a command of one shard's log: students whose join is
// announced later in that log are left out until their announcement.
class ClassesThen {
 public:
  ClassesThen(const domain::Roster& roster, const std::vector<storage::LoggedCommand>& log)
      : roster_(roster) {
    for (const storage::LoggedCommand& r : log) {
      if (const auto* j = std::get_if<domain::AnnounceJoin>(&r.command)) {
        ahead_[j->cls].push_back(j->student);
      }
    }
  }

  /// The class `cmd` concerns, as it was; null if the roster has no such class.
  const ClassInfo* at(const Command& cmd) {
    const ClassId cls = domain::class_of(cmd);
    const ClassInfo* info = roster_.class_info(cls);
    auto ahead = ahead_.find(cls);
    if (info == nullptr || ahead == ahead_.end() || ahead->second.empty()) return info;
    std::vector<UserId>& pending = ahead->second;
    then_ = *info;
    std::erase_if(then_.students, [&](UserId u) {
      return std::find(pending.begin(), pending.end(), u) != pending.end();
    });
    if (const auto* j = std::get_if<domain::AnnounceJoin>(&cmd)) {
      pending.erase(std::find(pending.begin(), pending.end(), j->student));
    }
    return &then_;
  }

 private:
  const domain::Roster& roster_;
  std::unordered_map<ClassId, std::vector<UserId>> ahead_;
  ClassInfo then_;
};

std::string failure(unsigned shard, const storage::LoggedCommand& r, const std::string& why) {
  return "shard " + std::to_string(shard) + " LSN " + std::to_string(r.lsn) + " (" +
         domain::name_of(r.command) + ", class " +
         std::to_string(domain::class_of(r.command).value) + "): " + why;
}

// Replays one shard's log into `classes`; "" or what went wrong.
std::string replay_shard(storage::ShardHistory& history, const domain::Roster& roster,
                         Classes& classes, const ReplayHook& hook) {
  for (domain::ClassAttendance& c : history.classes) classes.emplace(c.id(), std::move(c));
  ClassesThen then(roster, history.commands);
  for (const storage::LoggedCommand& r : history.commands) {
    if (!domain::class_of(r.command)) continue;  // the roster owner's: replayed above
    const ClassInfo* info = then.at(r.command);
    if (info == nullptr) return failure(history.shard, r, "the class does not exist");
    auto it = classes.try_emplace(info->id, info->id).first;
    std::string why;
    domain::Outcome out;
    if (!replay(it->second, *info, r.command, why, out)) return failure(history.shard, r, why);
    if (hook) hook(history.shard, roster, *info, it->second, r.command, out);
  }
  return {};
}

}  // namespace

bool replay(domain::ClassAttendance& att, const ClassInfo& cls, const Command& cmd,
            std::string& why, domain::Outcome& out) {
  out = att.apply(cls, cmd);
  if (out.refusal != domain::Refusal::None) {
    why = "the domain refused it (refusal " + std::to_string(static_cast<int>(out.refusal)) + ")";
    return false;
  }
  if (out.change != domain::Change::Applied) {
    why = "it changed nothing, where live it applied";
    return false;
  }
  if (!out.logged || !(*out.logged == cmd)) {
    why = "it applied differently than live (the command it would log differs)";
    return false;
  }
  return true;
}

Result<Recovered> recover(storage::Stored stored, const ReplayHook& on_replayed) {
  Recovered out;
  out.generation = stored.generation;
  out.roster = stored.roster;
  if (stored.generation == 0) return out;  // nothing stored: no push directory either
  RC_ASSERT(!stored.shards.empty());
  if (Status s = apply_enrollments(stored.shards[0], out.roster); !s) return Error{s.error()};
  out.push = std::move(stored.push);
  if (Status s = apply_push_commands(stored.shards[0], out.push); !s) return Error{s.error()};
  std::vector<Classes> per_shard(stored.shards.size());
  std::vector<std::string> errors(stored.shards.size());
  {
    std::vector<std::thread> replayers;
    for (std::size_t i = 0; i < stored.shards.size(); ++i) {
      replayers.emplace_back([&, i] {
        errors[i] = replay_shard(stored.shards[i], *out.roster, per_shard[i], on_replayed);
      });
    }
    for (std::thread& t : replayers) t.join();
  }
  for (const std::string& e : errors) {
    if (!e.empty()) return Error{"log record does not apply: " + e};
  }
  for (std::size_t i = 0; i < per_shard.size(); ++i) {
    out.commands_replayed += stored.shards[i].commands.size();
    out.classes_per_shard.push_back(per_shard[i].size());
    for (auto& [id, att] : per_shard[i]) {
      if (!out.classes.emplace(id, std::move(att)).second) {
        return Error{"class " + std::to_string(id.value) + " appears in more than one shard's log"};
      }
    }
  }
  return out;
}

}  // namespace rollcall::owner
