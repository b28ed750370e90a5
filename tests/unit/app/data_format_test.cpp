#include "rollcall/app/data_format.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace rollcall::app {
namespace {

namespace fs = std::filesystem;
using Action = FormatVerdict::Action;

// --- the file ------------------------------------------------------------------

TEST(DataFormatFile, RoundTrips) {
  const std::string text = encode_data_format({7, "1.2.3-rc1"});
  EXPECT_EQ(text, "{\"format\":\"rollcall-data\",\"version\":7,\"written_by\":\"1.2.3-rc1\"}\n");
  Result<DataFormatFile> back = parse_data_format(text);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->version, 7u);
  EXPECT_EQ(back->written_by, "1.2.3-rc1");
}

TEST(DataFormatFile, WrittenByIsOptionalAndOtherKeysAreIgnored) {
  Result<DataFormatFile> r =
      parse_data_format(R"({"version": 1, "format": "rollcall-data", "note": {"x": [1]}})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->written_by, "");
}

void expect_refused(std::string_view text, std::string_view needle) {
  Result<DataFormatFile> r = parse_data_format(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_NE(r.error().find(needle), std::string::npos) << text << " -> " << r.error();
}

TEST(DataFormatFile, RefusesWhatIsNotExactlyOurs) {
  expect_refused("", "not JSON");
  expect_refused("1\n", "not a JSON object");
  expect_refused("[]", "not a JSON object");
  expect_refused(R"({"format":"rollcall-data","version":1)", "not JSON");
  expect_refused(R"({"version":1})", "rollcall-data");
  expect_refused(R"({"format":"rollcall-backup","version":1})", "rollcall-data");
  expect_refused(R"({"format":"rollcall-data"})", "version");
  expect_refused(R"({"format":"rollcall-data","version":0})", "version");
  expect_refused(R"({"format":"rollcall-data","version":-1})", "version");
  expect_refused(R"({"format":"rollcall-data","version":1.5})", "version");
  expect_refused(R"({"format":"rollcall-data","version":"1"})", "version");
  expect_refused(R"({"format":"rollcall-data","version":4294967296})", "version");
  expect_refused(R"({"format":"rollcall-data","version":1,"written_by":2})", "written_by");
  expect_refused(R"({"format":"rollcall-data","version":1,"written_by":"a b"})", "written_by");
  expect_refused(R"({"format":"rollcall-data","version":1,"written_by":"\u001b[2J"})",
                 "written_by");
  expect_refused(
      R"({"format":"rollcall-data","version":1,"written_by":")" + std::string(65, '1') + "\"}",
      "written_by");
  std::string padded = "{" + std::string(kFormatFileBytesMax, ' ') + R"("version":1})";
  expect_refused(padded, "longer than 4096 bytes");
}

TEST(DataFormatFile, TheLargestVersionParses) {
  Result<DataFormatFile> r =
      parse_data_format(R"({"format":"rollcall-data","version":4294967295})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->version, 4294967295u);
}

// --- the decision --------------------------------------------------------------

FormatProbe with_file(std::uint32_t version, const std::string& written_by = "9.9.9") {
  FormatProbe p;
  p.file = FormatProbe::File::Read;
  p.text = encode_data_format({version, written_by});
  p.has_data = true;
  return p;
}

TEST(DataFormatDecision, ANewDirectoryGetsTheCurrentVersionWhenOwned) {
  const FormatProbe empty;
  const FormatVerdict own = judge_data_format("/d", empty, FormatUse::Own, 3);
  EXPECT_EQ(own.action, Action::WriteNew);
  EXPECT_EQ(own.version, 3u);
  // Nothing to read or copy: the others go on (and find nothing) without writing.
  EXPECT_EQ(judge_data_format("/d", empty, FormatUse::Read, 3).action, Action::Proceed);
  EXPECT_EQ(judge_data_format("/d", empty, FormatUse::Copy, 3).action, Action::Proceed);
}

TEST(DataFormatDecision, DataWithoutTheFileIsVersionOne) {
  FormatProbe legacy;
  legacy.has_data = true;
  const FormatVerdict own = judge_data_format("/d", legacy, FormatUse::Own, 1);
  EXPECT_EQ(own.action, Action::WriteLegacy);
  EXPECT_EQ(own.version, 1u);
  EXPECT_EQ(judge_data_format("/d", legacy, FormatUse::Own, 2).action, Action::WriteLegacy);
  EXPECT_EQ(judge_data_format("/d", legacy, FormatUse::Read, 1).action, Action::Proceed);
  EXPECT_EQ(judge_data_format("/d", legacy, FormatUse::Copy, 2).action, Action::Proceed);
  // Read by a rollcall of format 2: it would need the upgrade that only serve makes.
  const FormatVerdict read = judge_data_format("/d", legacy, FormatUse::Read, 2);
  EXPECT_EQ(read.action, Action::Refuse);
  EXPECT_NE(read.refusal.find("rollcall serve"), std::string::npos) << read.refusal;
}

TEST(DataFormatDecision, TheCurrentVersionProceedsForEveryUse) {
  for (FormatUse use : {FormatUse::Own, FormatUse::Read, FormatUse::Copy}) {
    const FormatVerdict v = judge_data_format("/d", with_file(2), use, 2);
    EXPECT_EQ(v.action, Action::Proceed);
    EXPECT_EQ(v.version, 2u);
  }
}

TEST(DataFormatDecision, AnOlderVersionIsUpgradedOnlyByItsOwner) {
  EXPECT_EQ(judge_data_format("/d", with_file(1), FormatUse::Own, 3).action, Action::Upgrade);
  EXPECT_EQ(judge_data_format("/d", with_file(1), FormatUse::Copy, 3).action, Action::Proceed);
  const FormatVerdict read = judge_data_format("/d", with_file(1), FormatUse::Read, 3);
  EXPECT_EQ(read.action, Action::Refuse);
  EXPECT_NE(read.refusal.find("data format 1"), std::string::npos) << read.refusal;
}

TEST(DataFormatDecision, ANewerVersionIsRefusedByEveryUseWithWhatToDo) {
  for (FormatUse use : {FormatUse::Own, FormatUse::Read, FormatUse::Copy}) {
    const FormatVerdict v = judge_data_format("/srv/data", with_file(2, "0.9.0"), use, 1);
    ASSERT_EQ(v.action, Action::Refuse);
    const std::string& line = v.refusal;
    for (const char* needle :
         {"/srv/data", "data format 2", "up to 1", "install rollcall 0.9.0 or newer",
          "restore a backup made by this version", "nothing was changed"}) {
      EXPECT_NE(line.find(needle), std::string::npos) << needle << " in " << line;
    }
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
  // A file without written_by: no version to name.
  const FormatVerdict v = judge_data_format("/d", with_file(5, ""), FormatUse::Own, 1);
  ASSERT_EQ(v.action, Action::Refuse);
  EXPECT_NE(v.refusal.find("install a newer rollcall"), std::string::npos) << v.refusal;
}

TEST(DataFormatDecision, MalformedAndUnreadableFilesAreRefused) {
  FormatProbe garbage;
  garbage.file = FormatProbe::File::Read;
  garbage.text = "hello";
  garbage.has_data = true;
  for (FormatUse use : {FormatUse::Own, FormatUse::Read, FormatUse::Copy}) {
    const FormatVerdict v = judge_data_format("/d", garbage, use, 1);
    ASSERT_EQ(v.action, Action::Refuse);
    EXPECT_NE(v.refusal.find("/d/format.json"), std::string::npos) << v.refusal;
    EXPECT_NE(v.refusal.find("not JSON"), std::string::npos) << v.refusal;
    EXPECT_NE(v.refusal.find("nothing was changed"), std::string::npos) << v.refusal;
  }
  // A file there but empty is not a missing file: refused even in an empty directory.
  FormatProbe empty_file;
  empty_file.file = FormatProbe::File::Read;
  EXPECT_EQ(judge_data_format("/d", empty_file, FormatUse::Own, 1).action, Action::Refuse);
  FormatProbe unreadable;
  unreadable.file = FormatProbe::File::Unreadable;
  unreadable.text = "Is a directory";
  const FormatVerdict v = judge_data_format("/d", unreadable, FormatUse::Own, 1);
  ASSERT_EQ(v.action, Action::Refuse);
  EXPECT_NE(v.refusal.find("cannot read /d/format.json: Is a directory"), std::string::npos)
      << v.refusal;
}

// --- on disk -------------------------------------------------------------------

class DataFormatDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "rollcall-format-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool exists(const std::string& name) const { return fs::exists(dir_ + "/" + name); }

  std::string dir_;
};

TEST_F(DataFormatDirTest, ProbeSeesTheFileAndTheData) {
  FormatProbe p = probe_data_format(dir_);
  EXPECT_EQ(p.file, FormatProbe::File::Missing);
  EXPECT_FALSE(p.has_data);
  write("rollcall.lock", "123\n");  // the lock and strangers' files are not rollcall data
  write("notes.txt", "x");
  EXPECT_FALSE(probe_data_format(dir_).has_data);
  fs::create_directory(dir_ + "/wal");
  EXPECT_TRUE(probe_data_format(dir_).has_data);
  write("format.json", "abc");
  p = probe_data_format(dir_);
  EXPECT_EQ(p.file, FormatProbe::File::Read);
  EXPECT_EQ(p.text, "abc");
  const FormatProbe gone = probe_data_format(dir_ + "/nowhere");
  EXPECT_EQ(gone.file, FormatProbe::File::Missing);
  EXPECT_FALSE(gone.has_data);
}

TEST_F(DataFormatDirTest, ProbeReadsNoMoreThanTheLimitAndOne) {
  write("format.json", std::string(3 * kFormatFileBytesMax, 'x'));
  EXPECT_EQ(probe_data_format(dir_).text.size(), kFormatFileBytesMax + 1);
  fs::remove(dir_ + "/format.json");
  fs::create_directory(dir_ + "/format.json");
  const FormatProbe p = probe_data_format(dir_);
  EXPECT_EQ(p.file, FormatProbe::File::Unreadable);
  EXPECT_NE(p.text.find("directory"), std::string::npos) << p.text;
}

TEST_F(DataFormatDirTest, OwningANewDirectoryWritesTheFileDurably) {
  Result<std::uint32_t> v = check_data_format(dir_, FormatUse::Own);
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(*v, kDataFormatVersion);
  Result<DataFormatFile> f = parse_data_format(read("format.json"));
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(f->version, kDataFormatVersion);
  EXPECT_FALSE(f->written_by.empty());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/format.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_FALSE(exists("format.json.tmp"));
}

TEST_F(DataFormatDirTest, ReadingAndCopyingWriteNothing) {
  fs::create_directory(dir_ + "/wal");  // data from before format.json: version 1
  Result<std::uint32_t> copied = check_data_format(dir_, FormatUse::Copy);
  ASSERT_TRUE(copied.ok()) << copied.error();
  EXPECT_EQ(*copied, 1u);
  EXPECT_FALSE(exists("format.json"));
  // Reading needs this rollcall's version: version 1 is older since sessions may
  // rotate their code, so it is refused until serve upgrades it.
  static_assert(kDataFormatVersion > 1);
  Result<std::uint32_t> read = check_data_format(dir_, FormatUse::Read);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().find("start rollcall serve on it once"), std::string::npos)
      << read.error();
  EXPECT_FALSE(exists("format.json"));
}

TEST_F(DataFormatDirTest, ARefusalWritesNothing) {
  const std::string newer = encode_data_format({kDataFormatVersion + 1, "9.9.9"});
  write("format.json", newer);
  for (FormatUse use : {FormatUse::Own, FormatUse::Read, FormatUse::Copy}) {
    Result<std::uint32_t> v = check_data_format(dir_, use);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().find("install rollcall 9.9.9 or newer"), std::string::npos) << v.error();
  }
  EXPECT_EQ(read("format.json"), newer);
  EXPECT_FALSE(exists("format.json.tmp"));
}

// A format history of two steps, as a future rollcall of format 3 would have it.
Status step_1_to_2(const std::string& dir) {
  std::ofstream(dir + "/step-1", std::ios::app) << "ran\n";
  return Ok{};
}
Status step_2_to_3(const std::string& dir) {
  // Sees the file already at 2: the steps run one after the other, each recorded.
  std::ifstream in(dir + "/format.json");
  const std::string text(std::istreambuf_iterator<char>(in), {});
  Result<DataFormatFile> f = parse_data_format(text);
  if (!f || f->version != 2) return Error{"format.json is not at 2 before the second step"};
  std::ofstream(dir + "/step-2", std::ios::app) << "ran\n";
  return Ok{};
}
Status failing_step(const std::string&) {
  return Error{"disk on fire"};
}

constexpr FormatUpgradeStep kTwoSteps[] = {{1, "first", step_1_to_2}, {2, "second", step_2_to_3}};

TEST_F(DataFormatDirTest, AnOwnerRunsEveryUpgradeStepInOrder) {
  fs::create_directory(dir_ + "/wal");  // data from before format.json: version 1
  Result<std::uint32_t> v = check_data_format(dir_, FormatUse::Own, kTwoSteps);
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(*v, 3u);
  EXPECT_EQ(read("step-1"), "ran\n");
  EXPECT_EQ(read("step-2"), "ran\n");
  EXPECT_EQ(parse_data_format(read("format.json"))->version, 3u);
  // Done once: the next start finds version 3 and runs nothing.
  ASSERT_TRUE(check_data_format(dir_, FormatUse::Own, kTwoSteps).ok());
  EXPECT_EQ(read("step-1"), "ran\n");
}

TEST_F(DataFormatDirTest, AFailedStepLeavesTheVersionItReached) {
  write("format.json", encode_data_format({1, "0.1.0"}));
  constexpr FormatUpgradeStep steps[] = {{1, "first", step_1_to_2}, {2, "broken", failing_step}};
  Result<std::uint32_t> v = check_data_format(dir_, FormatUse::Own, steps);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().find("disk on fire"), std::string::npos) << v.error();
  EXPECT_NE(v.error().find("from data format 2 to 3"), std::string::npos) << v.error();
  EXPECT_EQ(parse_data_format(read("format.json"))->version, 2u);
}

}  // namespace
}  // namespace rollcall::app
