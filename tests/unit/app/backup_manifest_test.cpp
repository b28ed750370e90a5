#include "src/app/backup_manifest.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace rollcall::app {
namespace {

Manifest sample() {
  Manifest m;
  m.created_ms = 1796600000123;
  m.rollcall_version = "0.1.0";
  m.generation = 42;
  m.data_format = 3;
  m.files.push_back({"jwt.secret", 32, sha256_hex("x")});
  m.files.push_back({"wal/00000042/shard-0/00000000000000000001.wal", 4096, sha256_hex("")});
  return m;
}

TEST(BackupManifest, RoundTrips) {
  ASSERT_GE(sodium_init(), 0);
  const Manifest m = sample();
  Result<Manifest> back = parse_manifest(encode_manifest(m));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->created_ms, m.created_ms);
  EXPECT_EQ(back->generation, 42u);
  EXPECT_EQ(back->rollcall_version, "0.1.0");
  EXPECT_EQ(back->data_format, 3u);
  ASSERT_EQ(back->files.size(), 2u);
  EXPECT_EQ(back->files[1].path, m.files[1].path);
  EXPECT_EQ(back->files[1].bytes, 4096u);
  EXPECT_EQ(back->files[1].sha256, m.files[1].sha256);
}

TEST(BackupManifest, Sha256IsTheKnownDigest) {
  ASSERT_GE(sodium_init(), 0);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BackupManifest, RefusesWhatIsNotOurs) {
  EXPECT_FALSE(parse_manifest("not json").ok());
  EXPECT_FALSE(parse_manifest(R"({"format":"other","version":1})").ok());
  std::string json = encode_manifest(sample());
  std::string newer = json;
  newer.replace(newer.find("\"version\":1"), 11, "\"version\":2");
  Result<Manifest> r = parse_manifest(newer);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("version 2"), std::string::npos) << r.error();
  std::string escape = json;
  escape.replace(escape.find("jwt.secret"), 10, "../../etc/x");
  EXPECT_FALSE(parse_manifest(escape).ok());
  std::string bad_sum = json;
  bad_sum.replace(bad_sum.find("\"sha256\":\"") + 10, 1, "Z");
  EXPECT_FALSE(parse_manifest(bad_sum).ok());
}

TEST(BackupManifest, DataFormatIsOptionalButNeverMalformed) {
  ASSERT_GE(sodium_init(), 0);
  std::string json = encode_manifest(sample());
  ASSERT_NE(json.find("\"data_format\":3,"), std::string::npos) << json;
  // A backup made before the data directory had a format version: 0, "not recorded".
  std::string old = json;
  old.erase(old.find("\"data_format\":3,"), 16);
  Result<Manifest> r = parse_manifest(old);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->data_format, 0u);
  for (const char* bad : {"0", "-1", "\"1\"", "4294967296", "1.5"}) {
    std::string wrong = json;
    wrong.replace(wrong.find("\"data_format\":3"), 15, std::string("\"data_format\":") + bad);
    Result<Manifest> w = parse_manifest(wrong);
    ASSERT_FALSE(w.ok()) << wrong;
    EXPECT_NE(w.error().find("data_format"), std::string::npos) << w.error();
  }
}

TEST(BackupManifest, PathsStayInsideTheDirectory) {
  EXPECT_TRUE(is_backup_path("jwt.secret"));
  EXPECT_TRUE(is_backup_path("wal/00000001/shard-0/snap-00000000000000000000.snap"));
  for (const char* bad :
       {"", "/etc/passwd", "a//b", "a/", "../x", "a/../b", "./a", "a b", "a\\b", "caf\xc3\xa9"}) {
    EXPECT_FALSE(is_backup_path(bad)) << bad;
  }
  EXPECT_FALSE(is_backup_path(std::string(256, 'a')));
}

}  // namespace
}  // namespace rollcall::app
