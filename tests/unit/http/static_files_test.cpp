#include "rollcall/http/static_files.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rollcall::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    root_ = fs::temp_directory_path() / ("rollcall-static-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "assets");
    write("index.html", "<h1>rollcall</h1>");
    write("assets/app-1a2b.js", "console.log(1)");
    write("style.css", "body{}");
    outside_ = fs::temp_directory_path() / ("rollcall-secret-" + std::to_string(::getpid()));
    std::ofstream(outside_) << "secret";
    fs::create_symlink(outside_, root_ / "link.txt");
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove(outside_);
  }
  void write(const std::string& rel, const std::string& content) {
    std::ofstream(root_ / rel) << content;
  }

  fs::path root_;
  fs::path outside_;
};

TEST_F(StaticFilesTest, LoadsRegularFilesWithTypesAndEtags) {
  auto files = StaticFiles::load(root_.string(), {});
  ASSERT_TRUE(files.ok()) << files.error();
  EXPECT_EQ(files->file_count(), 3u);
  const auto* index = files->find("/");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content, "<h1>rollcall</h1>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->etag.size(), 34u);  // quotes + 32 hex digits
  EXPECT_FALSE(index->immutable);
  const auto* js = files->find("/assets/app-1a2b.js");
  ASSERT_NE(js, nullptr);
  EXPECT_TRUE(js->immutable);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js->etag, index->etag);
}

TEST_F(StaticFilesTest, SymlinksAndTraversalNeverReachOutsideTheRoot) {
  auto files = StaticFiles::load(root_.string(), {});
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->find("/link.txt"), nullptr);
  EXPECT_EQ(files->find("/../" + outside_.filename().string()), nullptr);
  EXPECT_EQ(files->find("/assets/../index.html"), nullptr);  // exact paths only
}

TEST_F(StaticFilesTest, MissingRootServesNothingAndFileLimitsAreEnforced) {
  auto none = StaticFiles::load((root_ / "nope").string(), {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->file_count(), 0u);
  StaticFiles::Limits tiny;
  tiny.file_bytes_max = 5;
  auto refused = StaticFiles::load(root_.string(), tiny);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("per-file limit"), std::string::npos);
}

TEST(StaticFilesDecode, PercentDecoding) {
  std::string out;
  EXPECT_TRUE(StaticFiles::percent_decode("/a%20b/%2E%2e", out));
  EXPECT_EQ(out, "/a b/..");
  EXPECT_FALSE(StaticFiles::percent_decode("/bad%2", out));
  EXPECT_FALSE(StaticFiles::percent_decode("/bad%zz", out));
  EXPECT_FALSE(StaticFiles::percent_decode("/nul%00", out));
}

TEST(StaticFilesTypes, ByExtensionCaseInsensitive) {
  EXPECT_EQ(StaticFiles::content_type_for("a.SVG"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::content_type_for("manifest.webmanifest"), "application/manifest+json");
  EXPECT_EQ(StaticFiles::content_type_for("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace rollcall::http
