#pragma once
/// `rollcall backup --data-dir DIR --to FILE` and `rollcall restore --from FILE
/// --data-dir NEWDIR` (API.md §7): a consistent copy of a data directory, the server
/// running or not, in one zip file with a manifest of SHA-256 checksums; restore
/// checks every byte against it before the new directory appears.

#include <string>

namespace rollcall::app {

struct BackupArgs {
  std::string data_dir = "./rollcall-data";
  std::string to;
};

struct RestoreArgs {
  std::string from;
  std::string data_dir;
};

std::string backup_help();
std::string restore_help();
int run_backup(const BackupArgs& args);
int run_restore(const RestoreArgs& args);

}  // namespace rollcall::app
