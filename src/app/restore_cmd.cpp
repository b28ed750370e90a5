#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "rollcall/app/backup_cmd.hpp"
#include "rollcall/app/data_format.hpp"
#include "rollcall/wal/store.hpp"
#include "src/app/backup_manifest.hpp"
#include "src/app/cli_fail.hpp"
#include "src/app/zip_handle.hpp"

namespace rollcall::app {

namespace fs = std::filesystem;

namespace {

// Reads entry `index` whole, at most `limit` bytes (more is an error: the entry is
// not what the manifest says). libzip checks the entry's CRC-32 at its end.
Result<std::string> read_entry(zip_t* zip, zip_uint64_t index, std::uint64_t limit) {
  zip_file_t* file = zip_fopen_index(zip, index, 0);
  if (file == nullptr) return Error{zip_strerror(zip)};
  std::string out;
  char buf[1 << 16];
  zip_int64_t n = 0;
  while ((n = zip_fread(file, buf, sizeof buf)) > 0) {
    if (out.size() + static_cast<std::uint64_t>(n) > limit) {
      zip_fclose(file);
      return Error{"longer than the manifest says"};
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  std::string why = n < 0 ? zip_file_strerror(file) : "";
  zip_fclose(file);
  if (n < 0) return Error{why};
  return out;
}

Result<Manifest> read_manifest(zip_t* zip) {
  const zip_int64_t index = zip_name_locate(zip, std::string(kManifestName).c_str(), 0);
  if (index < 0) return Error{"it has no manifest.json: not a rollcall backup"};
  Result<std::string> json = read_entry(zip, static_cast<zip_uint64_t>(index), kManifestBytesMax);
  if (!json) return Error{"manifest.json: " + json.error()};
  return parse_manifest(*json);
}

Status write_private(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create " + path + ": " + std::strerror(errno)};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == bytes.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Error{"cannot write " + path};
  return Ok{};
}

// Every entry is the manifest or listed in it, once; every listed file is there.
Status check_entries(zip_t* zip, const Manifest& m, std::map<std::string, zip_uint64_t>& where) {
  const zip_int64_t count = zip_get_num_entries(zip, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(zip, static_cast<zip_uint64_t>(i), 0);
    if (name == nullptr) return Error{zip_strerror(zip)};
    if (name == kManifestName) continue;
    if (!where.emplace(name, static_cast<zip_uint64_t>(i)).second) {
      return Error{"it holds " + std::string(name) + " twice"};
    }
  }
  std::size_t listed = 0;
  for (const ManifestEntry& f : m.files) {
    if (!where.contains(f.path)) return Error{"it lacks " + f.path + ", which its manifest lists"};
    ++listed;
  }
  if (listed != where.size()) return Error{"it holds files its manifest does not list"};
  return Ok{};
}

// Extracts every listed file into `dir`, checking its size and SHA-256.
Status extract(zip_t* zip, const Manifest& m, const std::string& dir) {
  std::map<std::string, zip_uint64_t> where;
  if (Status s = check_entries(zip, m, where); !s) return s;
  for (const ManifestEntry& f : m.files) {
    Result<std::string> bytes = read_entry(zip, where.at(f.path), f.bytes);
    if (!bytes) return Error{f.path + ": " + bytes.error()};
    if (bytes->size() != f.bytes || sha256_hex(*bytes) != f.sha256) {
      return Error{f.path + " does not match its checksum: the backup is damaged"};
    }
    const fs::path target = fs::path(dir) / f.path;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error{"cannot create " + target.parent_path().string() + ": " + ec.message()};
    ::chmod(target.parent_path().c_str(), 0700);
    if (Status s = write_private(target.string(), *bytes); !s) return s;
  }
  return Ok{};
}

// fsync of every directory under `dir` (deepest first) and of `dir` itself.
Status sync_tree(const std::string& dir) {
  std::vector<std::string> dirs{dir};
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_directory()) dirs.push_back(e.path().string());
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    if (Status s = wal::fsync_directory(*it); !s) return s;
  }
  return Ok{};
}

}  // namespace

int run_restore(const RestoreArgs& args) {
  if (sodium_init() < 0) return fail("libsodium failed to initialise");
  std::error_code ec;
  if (fs::exists(args.data_dir, ec)) {
    return fail(args.data_dir +
                " already exists (restore makes a new data directory; it never "
                "writes into one)");
  }
  int error = 0;
  ZipHandle zip(zip_open(args.from.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!zip) return fail("cannot open " + args.from + " as a backup (not a readable zip file)");
  Result<Manifest> manifest = read_manifest(zip.get());
  if (!manifest) return fail(args.from + ": " + manifest.error());
  // A backup of a directory this rollcall cannot read is refused before anything is
  // written (a manifest without data_format is from before it: format 1).
  const FormatVerdict readable = judge_format_version(
      "the backup " + args.from, manifest->data_format == 0 ? 1 : manifest->data_format,
      manifest->rollcall_version, FormatUse::Copy, kDataFormatVersion);
  if (readable.action == FormatVerdict::Action::Refuse) return fail(readable.refusal);
  const std::string staging = args.data_dir + ".restoring";
  fs::remove_all(staging, ec);
  if (!fs::create_directories(staging, ec) || ::chmod(staging.c_str(), 0700) != 0) {
    return fail("cannot create " + staging);
  }
  Status done = extract(zip.get(), *manifest, staging);
  if (done) done = sync_tree(staging);
  if (done) {
    // The new directory's own check, as serve will make it: its format.json (written
    // now for a backup from before the file, upgraded for an older format).
    Result<std::uint32_t> format = check_data_format(staging, FormatUse::Own);
    if (!format) done = Error{format.error()};
  }
  if (!done) {
    fs::remove_all(staging, ec);
    return fail(args.from + ": " + done.error() + " (nothing was restored)");
  }
  fs::rename(staging, args.data_dir, ec);
  const std::string parent = fs::path(args.data_dir).parent_path().string();
  if (ec || !wal::fsync_directory(parent.empty() ? "." : parent)) {
    return fail("cannot move " + staging + " to " + args.data_dir);
  }
  std::printf("rollcall: restored %zu files of a backup made by rollcall %s into %s\n",
              manifest->files.size(), manifest->rollcall_version.c_str(), args.data_dir.c_str());
  return 0;
}

std::string restore_help() {
  return "Usage: rollcall restore --from FILE --data-dir NEWDIR\n"
         "\n"
         "Makes NEWDIR, a data directory to serve from, out of a file written by\n"
         "rollcall backup. Every file is checked against the backup's SHA-256 manifest\n"
         "before NEWDIR appears (it is assembled in NEWDIR.restoring, then renamed); a\n"
         "damaged backup restores nothing. NEWDIR must not exist. Then:\n"
         "rollcall serve --data-dir NEWDIR.\n";
}

}  // namespace rollcall::app
