#pragma once
/// The data directory's format version: one number for everything rollcall keeps in
/// a data directory (log segments, snapshots, the roster, push and feed files, the
/// keys), stored in `<data-dir>/format.json`:
///
///   {"format":"rollcall-data","version":1,"written_by":"0.1.0"}
///
/// `version` says how the directory is to be read; `written_by` is the rollcall that
/// wrote the file (so an older one that cannot read the directory can say which
/// version can). The file is at most 4096 bytes; other keys are ignored.
///
/// Every command that opens a data directory checks it first, through
/// `check_data_format` (one decision, `judge_data_format`):
/// - no file, no rollcall data: a new directory. `Own` writes the file (this
///   rollcall's version) before anything else is written; the others proceed.
/// - no file, rollcall data (wal/, jwt.secret, roster.json, vapid_private_key.pem):
///   a format-1 directory from before the file existed. `Own` writes the file
///   (version 1, logged) and upgrades it like any version-1 directory.
/// - this rollcall's version: proceed.
/// - an older version: `Own` runs the upgrade steps (kFormatUpgradeSteps), `Copy`
///   proceeds (a backup copies the bytes as they are), `Read` refuses.
/// - a newer version, a file that does not parse or cannot be read: refused with one
///   line naming the directory and what to do; nothing is written.
///
/// The file is written like the log's other metadata: temporary file, fsync,
/// rename, fsync of the directory (wal::write_file_atomically), mode 0600.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

inline constexpr std::string_view kFormatFileName = "format.json";
inline constexpr std::string_view kFormatName = "rollcall-data";
inline constexpr std::size_t kFormatFileBytesMax = 4096;
/// The longest `written_by` accepted (a version string: [0-9A-Za-z.+~-]).
inline constexpr std::size_t kWrittenByBytesMax = 64;

/// One step of the format's history: turns a directory of version `from` into one of
/// version `from + 1`. It runs with the directory locked, before anything else reads
/// or writes it, and must leave its changes durable when it returns. It must be safe
/// to run again on its own result: a crash after the step but before format.json
/// names `from + 1` runs it again at the next start.
struct FormatUpgradeStep {
  std::uint32_t from = 0;
  const char* what = "";  ///< for the log line ("segments gain ...")
  Status (*run)(const std::string& data_dir) = nullptr;
};

/// THE place where a change of the data format plugs in. When a change makes a data directory
/// unreadable to the rollcall before it (a new segment or snapshot layout, a new file that must be
/// there):
///   1. write `Status upgrade_<n>_to_<n+1>(const std::string& data_dir)` in a file of
///      its own (src/app/format_upgrade_<n>.cpp); it may do nothing when the new code
///      still reads version-n files as they are: the number still goes up, so that
///      the older rollcall refuses the directory instead of misreading it;
///   2. append `{n, "what changes", upgrade_<n>_to_<n+1>}` here: kDataFormatVersion
///      follows from the table's length;
///   3. add a test that a version-n directory is upgraded and serves its data.
/// Changes an older rollcall still reads correctly need no step.
Status upgrade_1_to_2(const std::string& data_dir);

inline constexpr std::array<FormatUpgradeStep, 1> kFormatUpgradeSteps{{
    {1, "sessions may rotate their code (log record type 15, snapshot version 5)", upgrade_1_to_2},
}};

/// The data format this rollcall reads and writes.
inline constexpr std::uint32_t kDataFormatVersion =
    1 + static_cast<std::uint32_t>(kFormatUpgradeSteps.size());

/// What format.json says.
struct DataFormatFile {
  std::uint32_t version = 0;
  std::string written_by;  ///< may be empty (a file written by hand)
};

std::string encode_data_format(const DataFormatFile& file);
/// Strict: a JSON object with "format": "rollcall-data", "version" an integer in
/// 1..2^32-1, an optional "written_by" (a version string, at most 64 bytes).
/// The error says what is wrong, for the refusal.
Result<DataFormatFile> parse_data_format(std::string_view text);

/// How a command uses the directory.
enum class FormatUse {
  Own,   ///< holds its lock (serve, import, restore's new directory): may write and upgrade
  Read,  ///< reads it without the lock (token, wal verify/dump): must be this version
  Copy,  ///< copies its bytes (backup): any version up to this one
};

/// What a directory shows before the decision.
struct FormatProbe {
  enum class File { Missing, Read, Unreadable };
  File file = File::Missing;
  std::string text;       ///< Read: its bytes (up to kFormatFileBytesMax + 1); Unreadable: why
  bool has_data = false;  ///< rollcall files besides format.json and the lock
};

/// The decision. `version` is the directory's (after the action: for WriteNew the
/// current one, for WriteLegacy 1).
struct FormatVerdict {
  enum class Action { Proceed, WriteNew, WriteLegacy, Upgrade, Refuse };
  Action action = Action::Refuse;
  std::uint32_t version = 0;
  std::string refusal;  ///< Refuse: the one line (without "rollcall: ")
};

/// The decision for a directory `dir` that holds `probe`, as `use` needs it, by a
/// rollcall of format `current` (kDataFormatVersion; a parameter for tests).
FormatVerdict judge_data_format(const std::string& dir, const FormatProbe& probe, FormatUse use,
                                std::uint32_t current);

/// The decision for a known version (the file's, or a backup manifest's): Proceed,
/// Upgrade or Refuse. `where` names what holds it ("data directory /x").
FormatVerdict judge_format_version(const std::string& where, std::uint32_t version,
                                   std::string_view written_by, FormatUse use,
                                   std::uint32_t current);

/// Reads what `judge_data_format` needs from `dir` (a missing directory: Missing,
/// no data). Writes nothing.
FormatProbe probe_data_format(const std::string& dir);

/// The check every command makes before it reads or writes `dir`: probe, judge, and
/// for `Own` write the file or upgrade through `steps` (kFormatUpgradeSteps; tests
/// pass their own: the current version is 1 + steps.size()). Returns the
/// directory's version, or the refusal.
Result<std::uint32_t> check_data_format(
    const std::string& dir, FormatUse use,
    std::span<const FormatUpgradeStep> steps = kFormatUpgradeSteps);

}  // namespace rollcall::app
