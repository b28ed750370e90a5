// rollcall's entry point: parse the command line and run the command.

#include <cstdio>
#include <string>
#include <vector>

#include "rollcall/app/config.hpp"
#include "rollcall/app/import_cmd.hpp"
#include "rollcall/app/serve.hpp"
#include "rollcall/app/token.hpp"
#include "rollcall/app/wal_cmd.hpp"
#include "rollcall_build_config.h"

int main(int argc, char** argv) {
  using rollcall::app::Command;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = rollcall::app::parse_command_line(args);
  if (!cmd) {
    std::fprintf(stderr, "rollcall: %s\n", cmd.error().c_str());
    return 2;
  }
  switch (cmd->kind) {
    case Command::Kind::Help: {
      const std::string text = cmd->help_topic == "serve"     ? rollcall::app::serve_help()
                               : cmd->help_topic == "token"   ? rollcall::app::token_help()
                               : cmd->help_topic == "wal"     ? rollcall::app::wal_help()
                               : cmd->help_topic == "import"  ? rollcall::app::import_help()
                               : cmd->help_topic == "backup"  ? rollcall::app::backup_help()
                               : cmd->help_topic == "restore" ? rollcall::app::restore_help()
                                                              : rollcall::app::general_help();
      std::fputs(text.c_str(), stdout);
      return 0;
    }
    case Command::Kind::Version: std::printf("rollcall %s\n", ROLLCALL_VERSION); return 0;
    case Command::Kind::Serve: return rollcall::app::run_serve(cmd->serve);
    case Command::Kind::Token: return rollcall::app::run_token(cmd->token);
    case Command::Kind::Import:
      return rollcall::app::run_import({cmd->import.data_dir, cmd->import.oneroster_dir});
    case Command::Kind::Backup: return rollcall::app::run_backup(cmd->backup);
    case Command::Kind::Restore: return rollcall::app::run_restore(cmd->restore);
    case Command::Kind::WalVerify: return rollcall::app::run_wal_verify(cmd->data_dir);
    case Command::Kind::WalDump: return rollcall::app::run_wal_dump(cmd->data_dir);
  }
  return 2;
}
