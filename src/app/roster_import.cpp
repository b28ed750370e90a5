#include "rollcall/app/roster_import.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rollcall/api/reply.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/api/roster_rollout.hpp"
#include "rollcall/app/oneroster.hpp"
#include "rollcall/auth/codes.hpp"
#include "rollcall/auth/password.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/shard/call.hpp"
#include "rollcall/wal/format.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "src/app/import_answers.hpp"
#include "src/app/oneroster_source.hpp"

namespace rollcall::app {

using RosterPtr = std::shared_ptr<const domain::Roster>;

namespace {

// The slot, released when the import's job (or its refused request) is gone.
class ImportSlot final : public http::UploadGrant {
 public:
  explicit ImportSlot(std::atomic<bool>& busy) : busy_(busy) {}
  ~ImportSlot() override { busy_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool>& busy_;
};

}  // namespace

std::unique_ptr<http::UploadGrant> RosterImports::try_begin() {
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return nullptr;
  return std::make_unique<ImportSlot>(busy_);
}

namespace {

bool is_zip(std::string_view content_type) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  // Browsers on Windows label .zip files application/x-zip-compressed.
  return http::ascii_iequals(type, "application/zip") ||
         http::ascii_iequals(type, "application/x-zip-compressed");
}

// Who may import, asked before the body is read: an admin, a zip, one at a time.
std::variant<std::unique_ptr<http::UploadGrant>, wire::Error> admit(const api::ShardApi& api,
                                                                    RosterImports& imports,
                                                                    const http::RequestHead& head) {
  Expected<api::Principal, wire::Error> who = api::authenticate(api, api::bearer_token(head));
  if (!who) return who.error();
  if (who->role != domain::Role::Admin)
    return wire::forbidden("only administrators import rosters");
  if (!is_zip(head.header("content-type"))) {
    return wire::Error{415, "unsupported_media_type",
                       "send the OneRoster CSV export as a zip (Content-Type: application/zip)"};
  }
  std::unique_ptr<http::UploadGrant> grant = imports.try_begin();
  if (!grant) {
    return wire::Error{409, "import_in_progress",
                       "another roster import is running; try again once it has finished"};
  }
  return grant;
}

std::vector<std::string> hash_one_at_a_time(const std::vector<std::string>& passwords) {
  std::vector<std::string> out;
  out.reserve(passwords.size());
  for (const std::string& p : passwords) out.push_back(auth::hash_password(p));
  return out;
}

// The students each class of `base` gains in `next` (new classes have no one to tell).
std::vector<api::Joined> joins_between(const domain::Roster& base, const domain::Roster& next) {
  std::vector<api::Joined> joins;
  for (const domain::ClassInfo* before : base.classes()) {
    const domain::ClassInfo* after = next.class_info(before->id);
    RC_ASSERT(after != nullptr);  // an import never deletes a class
    for (const domain::UserId s : after->students) {
      if (!base.enrolled(s, before->id)) joins.push_back({s, before->id});
    }
  }
  return joins;
}

struct ImportJob {
  const api::Directory* directory;
  unsigned import_shard;
  http::Deferred deferred;
  std::string zip;
  RosterPtr base;  ///< the roster merged into (the accepting shard's, then shard 0's)
  std::unique_ptr<http::UploadGrant> slot;
  api::Response answer = api::Reply{};
  int attempts = 0;
  OneRosterFiles files;
  domain::RosterImage image;  ///< the merged roster, encoded
  std::vector<api::Joined> joins;
  ImportSummary summary;
  api::Reply success;

  void run(shard::Shard& here, shard::Reply<ImportJob> reply);
  void merge(shard::Shard& here, shard::Reply<ImportJob> reply);
  void finish(shard::Shard& here, net::Connection& c) {
    api::complete(*directory->at(here.id()).http, here, c, deferred, answer);
  }
};

// Posts `reply` back to the import shard: to answer, or (`retry`) to merge again.
void back_to_import(shard::Shard& here, shard::Reply<ImportJob> reply, bool retry);

// On the roster owner: log the new roster, then install it everywhere and answer.
class CommitImport final : public shard::Task {
 public:
  explicit CommitImport(shard::Reply<ImportJob> reply) : reply_(std::move(reply)) {}
  void run(shard::Shard& here, std::unique_ptr<shard::Task>) override;

 private:
  shard::Reply<ImportJob> reply_;
};

// On the roster owner, once the logged roster is durable (or failed to be): install
// it everywhere, then answer; or answer 503.
void committed(api::ShardApi& api, shard::Reply<ImportJob> reply, bool durable) {
  ImportJob& job = reply.job();
  if (!durable) {
    api.owner.set_roster_head(api.owner.roster_ptr());
    job.answer = wire::storage_unavailable("the roster could not be saved; nothing changed");
    return back_to_import(api.shard(), std::move(reply), false);
  }
  job.answer = std::move(job.success);
  const ImportSummary& sum = job.summary;
  log::info("roster_imported", {{"roster_version", job.image.roster->version()},
                                {"bytes", job.image.encoded->size()},
                                {"users_added", sum.users_added},
                                {"users_updated", sum.users_updated},
                                {"classes_added", sum.classes_added},
                                {"enrollments_added", sum.enrollments_added}});
  auto pending = std::make_shared<shard::Reply<ImportJob>>(std::move(reply));
  api::roll_out_roster(api, job.image.roster, std::move(job.joins), [&api, pending] {
    back_to_import(api.shard(), std::move(*pending), false);
  });
}

void CommitImport::run(shard::Shard& here, std::unique_ptr<shard::Task>) {
  ImportJob& job = reply_.job();
  api::ShardApi& api = job.directory->at(here.id());
  owner::Owner& owner = api.owner;
  if (owner.roster_head()->version() != job.base->version()) {
    job.base = owner.roster_head();  // a join came first: merge into that
    return back_to_import(here, std::move(reply_), true);
  }
  if (!owner.writable()) {
    job.answer = wire::storage_unavailable("the roster cannot be saved right now; nothing changed");
    return back_to_import(here, std::move(reply_), false);
  }
  const RosterPtr next = job.image.roster;
  owner.append(domain::ImportRoster{next->version(), job.image});
  owner.set_roster_head(next);
  owner.after_durable(domain::ClassId{}, [&api, reply = std::move(reply_)](bool durable) mutable {
    committed(api, std::move(reply), durable);
  });
}

// On the import shard again: the Reply is sent from the shard it belongs to.
class ImportBack final : public shard::Task {
 public:
  ImportBack(shard::Reply<ImportJob> reply, bool retry) : reply_(std::move(reply)), retry_(retry) {}
  void run(shard::Shard& here, std::unique_ptr<shard::Task>) override {
    if (!retry_) return reply_.send();
    reply_.job().merge(here, std::move(reply_));
  }

 private:
  shard::Reply<ImportJob> reply_;
  bool retry_;
};

void back_to_import(shard::Shard& here, shard::Reply<ImportJob> reply, bool retry) {
  const unsigned to = reply.job().import_shard;
  std::unique_ptr<shard::Task> task = std::make_unique<ImportBack>(std::move(reply), retry);
  const bool posted = here.post(to, task, shard::Shard::PostMode::Always);
  RC_ASSERT(posted);
}

void ImportJob::run(shard::Shard& here, shard::Reply<ImportJob> reply) {
  Result<OneRosterFiles> read = oneroster_from_zip(zip, "the upload");
  std::string().swap(zip);  // up to 64 MiB: the CSVs are all that is needed now
  if (!read) {
    answer = invalid_roster(read.error());
    return reply.send();
  }
  files = std::move(*read);
  merge(here, std::move(reply));
}

void ImportJob::merge(shard::Shard& here, shard::Reply<ImportJob> reply) {
  if (++attempts > kImportAttemptsMax) {
    answer = wire::Error{409, "roster_changed",
                         "the roster kept changing while the import ran (class joins); try again"};
    return reply.send();
  }
  const ImportHooks hooks{hash_one_at_a_time, new_initial_password, auth::new_join_code,
                          kImportPasswordsMax};
  Result<ImportResult> merged = merge_oneroster(*base, files, hooks);
  if (!merged) {
    answer = invalid_roster(merged.error());
    return reply.send();
  }
  auto encoded = std::make_shared<const std::string>(wal::encode_roster(*merged->roster));
  if (encoded->size() > wal::kRecordPayloadBytesMax - 64) {
    answer = roster_too_large(encoded->size());
    return reply.send();
  }
  image = domain::RosterImage{std::move(encoded), merged->roster};
  joins = joins_between(*base, *merged->roster);
  summary = merged->summary;
  success = import_reply(merged->summary, merged->initial_passwords);
  std::unique_ptr<shard::Task> commit = std::make_unique<CommitImport>(std::move(reply));
  const bool posted = here.post(owner::kRosterOwner, commit, shard::Shard::PostMode::Always);
  RC_ASSERT(posted);
}

api::Answer import_roster(api::ShardApi& api, RosterImports& imports, http::Exchange& ex) {
  std::unique_ptr<http::UploadGrant> slot = ex.take_upload();
  if (slot == nullptr) {  // a body within the general limit: admitted only now
    auto admitted = admit(api, imports, ex.request);
    if (const auto* refused = std::get_if<wire::Error>(&admitted)) return *refused;
    slot = std::move(std::get<std::unique_ptr<http::UploadGrant>>(admitted));
  }
  if (!api.shard().can_post(imports.shard())) return wire::overloaded();
  const http::Deferred deferred = ex.defer(kImportTimeoutMs);
  ImportJob job{&api.directory,         imports.shard(), deferred,    std::string(ex.body),
                api.owner.roster_ptr(), std::move(slot), api::Reply{}};
  const bool submitted =
      shard::submit(api.shard(), imports.shard(), deferred.connection, std::move(job));
  RC_ASSERT(submitted);  // can_post said there was room
  return api::Handled{};
}

}  // namespace

void add_import_route(http::Router& router, api::ShardApi& api, RosterImports& imports) {
  http::UploadPolicy upload;
  upload.body_bytes_max = kOneRosterZipBytesMax;
  upload.admit = [&api, &imports](const http::RequestHead& head, const net::Connection&)
      -> std::variant<std::unique_ptr<http::UploadGrant>, http::Refusal> {
    auto admitted = admit(api, imports, head);
    if (const auto* refused = std::get_if<wire::Error>(&admitted)) {
      return http::Refusal{refused->status, refused->code, refused->message};
    }
    return std::move(std::get<std::unique_ptr<http::UploadGrant>>(admitted));
  };
  router.add(
      "POST", "/api/v1/admin/oneroster",
      [&api, &imports](http::Exchange& ex) { api::answer(ex, import_roster(api, imports, ex)); },
      std::move(upload));
}

}  // namespace rollcall::app
