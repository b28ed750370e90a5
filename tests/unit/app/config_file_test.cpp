#include "rollcall/app/config_file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rollcall::app {
namespace {

namespace fs = std::filesystem;

std::vector<ConfigEntry> parsed(std::string_view text) {
  auto r = parse_config_text(text);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? *r : std::vector<ConfigEntry>{};
}

std::string error_of(std::string_view text) {
  auto r = parse_config_text(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::string() : r.error();
}

TEST(ConfigFile, KeyValueLinesInOrderWithTheirLineNumbers) {
  const auto entries = parsed(
      "# rollcall\n"
      "\n"
      "listen = 127.0.0.1:8080\n"
      "  max-connections\t=\t20000  \n"
      "   # indented comment\n"
      "trusted-proxy = 10.0.0.1\n"
      "trusted-proxy=10.0.0.2\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].key, "listen");
  EXPECT_EQ(entries[0].value, "127.0.0.1:8080");
  EXPECT_EQ(entries[0].line, 3u);
  EXPECT_EQ(entries[1].key, "max-connections");
  EXPECT_EQ(entries[1].value, "20000");
  EXPECT_EQ(entries[1].line, 4u);
  EXPECT_EQ(entries[2].key, "trusted-proxy");
  EXPECT_EQ(entries[2].line, 6u);
  EXPECT_EQ(entries[3].value, "10.0.0.2");
  EXPECT_EQ(entries[3].line, 7u);
}

TEST(ConfigFile, ValuesAreLiteralNoQuotesNoInlineComments) {
  const auto entries = parsed(
      "public-url = \"https://a.example\"\n"
      "shards = 4 # four\n"
      "push-contact = mailto:a=b@example.org\n"
      "data-dir =\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].value, "\"https://a.example\"");  // the flag's check refuses it
  EXPECT_EQ(entries[1].value, "4 # four");
  EXPECT_EQ(entries[2].value, "mailto:a=b@example.org");  // the first '=' splits
  EXPECT_EQ(entries[3].value, "");
}

TEST(ConfigFile, CrlfEndingsAndNoFinalNewline) {
  const auto entries = parsed("shards = 2\r\ndemo = true");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].value, "2");
  EXPECT_EQ(entries[1].key, "demo");
  EXPECT_EQ(entries[1].value, "true");
  EXPECT_EQ(entries[1].line, 2u);
}

TEST(ConfigFile, EmptyOrCommentOnlyTextHasNoEntries) {
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed("\n\n# nothing\n   \t\n").empty());
}

TEST(ConfigFile, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(error_of("shards = 2\nlisten 127.0.0.1:80\n"),
            "2: expected 'key = value', got 'listen 127.0.0.1:80'");
  EXPECT_EQ(error_of("\n\n = 3\n"), "3: missing key before '='");
  EXPECT_EQ(error_of(std::string_view("shards = 2\0", 11)), "1: NUL byte in config file");
}

TEST(ConfigFile, LineLengthLimit) {
  const std::string at_limit = "public-url = " + std::string(kConfigLineBytesMax - 13, 'a');
  ASSERT_EQ(at_limit.size(), kConfigLineBytesMax);
  EXPECT_EQ(parsed(at_limit + "\n").size(), 1u);
  const std::string over = "# ok\n" + at_limit + "a\n";
  EXPECT_EQ(error_of(over), "2: line longer than 4096 bytes");
}

class ConfigFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "rollcall-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(ConfigFileOnDisk, ReadsAFile) {
  const std::string path = write("rollcall.conf", "shards = 3\n");
  auto r = read_config_file(path);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].value, "3");
}

TEST_F(ConfigFileOnDisk, ErrorsNameThePathAndLine) {
  const std::string path = write("bad.conf", "shards = 3\noops\n");
  auto r = read_config_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), path + ":2: expected 'key = value', got 'oops'");
}

TEST_F(ConfigFileOnDisk, MissingDirectoryAndOversizedFilesAreRefused) {
  const std::string missing = (dir_ / "nope.conf").string();
  auto r = read_config_file(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), missing + ": cannot open config file: No such file or directory");

  auto d = read_config_file(dir_.string());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error(), dir_.string() + ": config file is not a regular file");

  const std::string at_limit = write("full.conf", std::string(kConfigFileBytesMax, '\n'));
  EXPECT_TRUE(read_config_file(at_limit).ok());
  const std::string big = write("big.conf", std::string(kConfigFileBytesMax + 1, '\n'));
  auto b = read_config_file(big);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error(), big + ": config file larger than 65536 bytes");
}

TEST_F(ConfigFileOnDisk, AFifoIsRefusedWithoutBlocking) {
  const std::string path = (dir_ / "fifo.conf").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto r = read_config_file(path);  // no writer: a blocking open would never return
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), path + ": config file is not a regular file");
}

TEST_F(ConfigFileOnDisk, UnreadableFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = write("secret.conf", "shards = 3\n");
  ::chmod(path.c_str(), 0);
  auto r = read_config_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), path + ": cannot open config file: Permission denied");
}

}  // namespace
}  // namespace rollcall::app
