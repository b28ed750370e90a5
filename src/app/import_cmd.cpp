// rollcall import: read the OneRoster files, merge them into the roster in force,
// and make the result durable as the next log generation (see checkpoint.hpp).

#include "rollcall/app/import_cmd.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "rollcall/app/checkpoint.hpp"
#include "rollcall/app/config.hpp"
#include "rollcall/app/data_dir.hpp"
#include "rollcall/app/oneroster.hpp"
#include "rollcall/auth/codes.hpp"
#include "rollcall/auth/password.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/wal/engine.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/store.hpp"
#include "src/app/cli_fail.hpp"
#include "src/app/oneroster_source.hpp"

namespace rollcall::app {

namespace {

// Argon2id costs tens of ms and 64 MiB each: one thread per usable core (at most 8).
std::vector<std::string> hash_all(const std::vector<std::string>& passwords) {
  std::vector<std::string> out(passwords.size());
  const unsigned threads =
      std::max(1u, std::min({usable_cores(), 8u, static_cast<unsigned>(passwords.size())}));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  auto work = [&] {
    for (std::size_t k = next++; k < passwords.size(); k = next++) {
      out[k] = auth::hash_password(passwords[k]);
      const std::size_t d = ++done;
      if (d % 500 == 0)
        std::fprintf(stderr, "rollcall: hashed %zu of %zu passwords\n", d, passwords.size());
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return out;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The roster a fresh directory starts from (a seed file, else empty); once the log
// has a generation, recovery reads it from there.
Result<std::shared_ptr<const domain::Roster>> seed_roster(const std::string& dir) {
  const std::string seed_path = wal::seed_roster_path(dir);
  if (::access(seed_path.c_str(), F_OK) != 0) return domain::RosterBuilder().build();
  return wal::read_roster_file(seed_path);
}

// Keep the shard count the log was written with (serve redistributes anyway).
Result<unsigned> logged_shard_count(const std::string& dir) {
  const wal::LogStore store(dir);
  Result<std::uint64_t> gen = store.current_generation();
  if (!gen) return Error{gen.error()};
  unsigned shards = 1;
  if (*gen > 0) {
    for (unsigned k = 1; k < 256; ++k) {
      if (::access(store.shard_dir(*gen, k).c_str(), F_OK) != 0) break;
      shards = k + 1;
    }
  }
  return shards;
}

std::string initial_passwords_csv(
    const std::vector<std::pair<std::string, std::string>>& passwords) {
  std::string text = "username,password\n";
  for (const auto& [user, password] : passwords) {
    text += csv_field(user) + "," + csv_field(password) + "\n";
  }
  return text;
}

// The merge, as the roster edit of the checkpoint. It reports what it did in
// `summary` and where it wrote the new users' passwords in `passwords_path`.
RosterEdit import_edit(const OneRosterFiles& files, const std::string& dir, ImportSummary& summary,
                       std::string& passwords_path) {
  return [&files, &dir, &summary, &passwords_path,
          hooks = ImportHooks{hash_all, new_initial_password, auth::new_join_code}](
             const std::shared_ptr<const domain::Roster>& current)
             -> Result<std::shared_ptr<const domain::Roster>> {
    Result<ImportResult> merged = merge_oneroster(*current, files, hooks);
    if (!merged) return Error{merged.error()};
    summary = merged->summary;
    if (!merged->initial_passwords.empty()) {
      // Written before the new roster takes effect, so no imported user is left
      // without a way to sign in.
      passwords_path = dir + "/import-passwords-" + utc_stamp() + ".csv";
      const std::string text = initial_passwords_csv(merged->initial_passwords);
      if (Status s = wal::write_file_atomically(passwords_path, text); !s) return Error{s.error()};
    }
    return merged->roster;
  };
}

void print_summary(const std::string& oneroster_dir, const std::string& dir,
                   const ImportSummary& summary, const std::string& passwords_path) {
  std::printf(
      "imported %s into %s: users %zu added, %zu updated, %zu disabled, %zu skipped; "
      "classes %zu added, %zu updated, %zu skipped; enrollments %zu added, %zu already there, %zu "
      "skipped\n",
      oneroster_dir.c_str(), dir.c_str(), summary.users_added, summary.users_updated,
      summary.users_disabled, summary.users_skipped, summary.classes_added, summary.classes_updated,
      summary.classes_skipped, summary.enrollments_added, summary.enrollments_kept,
      summary.enrollments_skipped);
  if (!passwords_path.empty()) {
    std::printf(
        "initial passwords of the new users without one: %s (0600; hand them out, then delete "
        "it)\n",
        passwords_path.c_str());
  }
}

}  // namespace

std::string import_help() {
  return "Usage: rollcall import --data-dir DIR --oneroster DIR|ZIP\n"
         "\n"
         "Merges a OneRoster 1.1 CSV export (users.csv, classes.csv, enrollments.csv in\n"
         "the --oneroster directory, or in a zip file of at most 64 MiB, in any folder\n"
         "of it) into the data directory's roster. Run it with the\n"
         "server stopped (the data directory is locked while a server runs); the next\n"
         "`rollcall serve` starts with the new roster. Users and classes are matched by\n"
         "sourcedId: existing ones are updated, new ones added; nothing is ever deleted\n"
         "(attendance history refers to it). Roles student, teacher and administrator\n"
         "are imported, others skipped. A `password` column sets passwords; new users\n"
         "without one get a random password, written to\n"
         "DIR/import-passwords-<time>.csv (0600) for you to hand out. If anything does\n"
         "not check out, nothing changes and the error names the file and line.\n"
         "Exit status: 0 imported, 1 refused (nothing changed), 2 bad command line.\n";
}

int run_import(const ImportConfig& config) {
  log::set_min_level(log::Level::Warn);  // the summary goes to stdout; only trouble to stderr
  if (sodium_init() < 0) return fail("libsodium failed to initialise");
  const Result<OneRosterFiles> files = read_oneroster(config.oneroster_dir);
  if (!files) return fail(files.error());

  Result<DataDir> data_dir = DataDir::open(config.data_dir);
  if (!data_dir) return fail(data_dir.error());
  const std::string& dir = data_dir->path();
  Result<auth::Key> secret = auth::load_or_create_secret(dir + "/jwt.secret");
  if (!secret) return fail(secret.error());
  Result<std::shared_ptr<const domain::Roster>> seed = seed_roster(dir);
  if (!seed) return fail(seed.error());
  const Result<unsigned> shards = logged_shard_count(dir);
  if (!shards) return fail(shards.error());

  ImportSummary summary;
  std::string passwords_path;
  wal::Engine engine({dir});
  Result<Checkpointed> done =
      recover_and_checkpoint(engine, {*shards, 4096}, *seed, auth::derive_key(*secret, "epoch"),
                             import_edit(*files, dir, summary, passwords_path));
  if (!done) {
    if (!passwords_path.empty()) ::unlink(passwords_path.c_str());
    return fail("import refused, nothing changed: " + done.error());
  }
  print_summary(config.oneroster_dir, dir, summary, passwords_path);
  return 0;
}

}  // namespace rollcall::app
