#include "rollcall/app/backup_cmd.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <filesystem>

#include "rollcall/app/data_format.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/wal/store.hpp"
#include "rollcall_build_config.h"
#include "src/app/backup_files.hpp"
#include "src/app/backup_manifest.hpp"
#include "src/app/cli_fail.hpp"
#include "src/app/zip_handle.hpp"

namespace rollcall::app {

namespace {

// Adds `file`'s first `bytes` bytes (read again by libzip when the archive is written;
// they no longer change, see backup_files.hpp).
Status add_file(zip_t* zip, const HeldFile& file, std::uint64_t bytes) {
  const int fd = ::dup(file.fd);
  FILE* stream = fd < 0 ? nullptr : ::fdopen(fd, "rb");
  if (stream == nullptr) {
    if (fd >= 0) ::close(fd);
    return Error{"cannot reopen " + file.path};
  }
  zip_source_t* source = zip_source_filep(zip, stream, 0, static_cast<zip_int64_t>(bytes));
  if (source == nullptr) {
    std::fclose(stream);
    return Error{"libzip: " + std::string(zip_strerror(zip))};
  }
  const zip_int64_t index = zip_file_add(zip, file.path.c_str(), source, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(source);
    return Error{"libzip: " + std::string(zip_strerror(zip))};
  }
  zip_set_file_compression(zip, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 1);
  return Ok{};
}

// Reads (and so cuts) every held file in order, adding each to the archive.
Status add_all(zip_t* zip, const HeldSet& held, Manifest& manifest) {
  for (const HeldFile& file : held.files) {
    Result<std::string> bytes = read_held(file);
    if (!bytes) return Error{bytes.error()};
    if (file.segment && bytes->empty()) continue;
    manifest.files.push_back({file.path, bytes->size(), sha256_hex(*bytes)});
    if (Status s = add_file(zip, file, bytes->size()); !s) return s;
  }
  return Ok{};
}

Status write_archive(const std::string& to, const HeldSet& held, Manifest& manifest) {
  int error = 0;
  ZipHandle zip(zip_open(to.c_str(), ZIP_CREATE | ZIP_EXCL, &error));
  if (!zip) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    return Error{"cannot create " + to + ": " + why};
  }
  if (Status s = add_all(zip.get(), held, manifest); !s) return s;
  const std::string json = encode_manifest(manifest);
  zip_source_t* source = zip_source_buffer(zip.get(), json.data(), json.size(), 0);
  if (source == nullptr ||
      zip_file_add(zip.get(), std::string(kManifestName).c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
    if (source != nullptr) zip_source_free(source);
    return Error{"libzip: " + std::string(zip_strerror(zip.get()))};
  }
  if (zip_close(zip.get()) != 0)
    return Error{"cannot write " + to + ": " + zip_strerror(zip.get())};
  zip.release();  // zip_close freed it
  return Ok{};
}

// Private (it holds the secrets; libzip creates it 0666 & ~umask) and on disk.
Status make_durable(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Error{"cannot fsync " + path};
  }
  ::close(fd);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return wal::fsync_directory(dir.empty() ? "." : dir);
}

}  // namespace

int run_backup(const BackupArgs& args) {
  if (sodium_init() < 0) return fail("libsodium failed to initialise");
  std::error_code ec;
  if (std::filesystem::exists(args.to, ec)) {
    return fail(args.to + " already exists (a backup never overwrites a file)");
  }
  // A directory this rollcall cannot read is not copied either: its restore would
  // be refused, or worse, misread.
  Result<std::uint32_t> format = check_data_format(args.data_dir, FormatUse::Copy);
  if (!format) return fail(format.error());
  const std::int64_t started_ms = wall_ms();
  Result<HeldSet> held = hold_backup_files(args.data_dir);
  if (!held) return fail(held.error());
  Manifest manifest;
  manifest.created_ms = started_ms;
  manifest.rollcall_version = ROLLCALL_VERSION;
  manifest.generation = held->generation;
  manifest.data_format = *format;
  if (Status s = write_archive(args.to, *held, manifest); !s) return fail(s.error());
  if (Status s = make_durable(args.to); !s) return fail(s.error());
  std::uint64_t total = 0;
  for (const ManifestEntry& f : manifest.files) total += f.bytes;
  std::printf("rollcall: backed up %zu files (%llu bytes) of %s to %s\n", manifest.files.size(),
              static_cast<unsigned long long>(total), args.data_dir.c_str(), args.to.c_str());
  return 0;
}

std::string backup_help() {
  return "Usage: rollcall backup --data-dir DIR --to FILE\n"
         "\n"
         "Writes a consistent copy of the data directory DIR to FILE (a zip archive with\n"
         "a manifest.json of SHA-256 checksums), whether a server is running on DIR or\n"
         "not; the server is not paused. Every write acknowledged before the backup\n"
         "began is in it. FILE must not exist. Holds the JWT secret and the push key:\n"
         "keep it as private as the data directory. Restore it with rollcall restore.\n";
}

}  // namespace rollcall::app
