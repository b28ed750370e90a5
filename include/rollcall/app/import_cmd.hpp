#pragma once
/// `rollcall import --data-dir DIR --oneroster DIR`: merges a OneRoster 1.1 CSV
/// export into the data directory's roster, with the server stopped.

#include <string>

namespace rollcall::app {

struct ImportConfig {
  std::string data_dir = "./rollcall-data";
  std::string oneroster_dir;
};

std::string import_help();
int run_import(const ImportConfig& config);

}  // namespace rollcall::app
