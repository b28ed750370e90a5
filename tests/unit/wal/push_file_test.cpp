// The push directory's file: what a generation and the roster owner's snapshots keep.

#include "rollcall/wal/push_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace rollcall::wal {
namespace {

using domain::UserId;

domain::PushDirectory sample() {
  domain::PushDirectory d;
  const std::string key(domain::kPushKeyTextBytes, 'K'), auth(domain::kPushAuthTextBytes, 'a');
  for (std::uint64_t i = 1; i <= 12; ++i) {
    const UserId user{i % 3 + 1};
    EXPECT_TRUE(d.apply(domain::Subscribe{user, i, "https://p.example/" + std::to_string(i), key,
                                          auth, static_cast<std::int64_t>(i)})
                    .applied);
  }
  EXPECT_TRUE(d.apply(domain::Unsubscribe{UserId{1}, 12, 0}).applied);  // the newest: next stays 13
  EXPECT_TRUE(d.apply(domain::SetPushPreferences{UserId{2}, false, true, false, 0}).applied);
  EXPECT_TRUE(d.apply(domain::SetPushPreferences{UserId{9}, true, false, true, 0}).applied);
  return d;
}

TEST(PushFileTest, RoundTripsWithTheNextId) {
  const domain::PushDirectory d = sample();
  Result<domain::PushDirectory> back = decode_push_directory(encode_push_directory(d));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(*back, d);
  EXPECT_EQ(back->next_id(), 13u);
  EXPECT_FALSE(back->preferences(UserId{9}).status_changed);
}

TEST(PushFileTest, EmptyRoundTrips) {
  Result<domain::PushDirectory> back = decode_push_directory(encode_push_directory({}));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, domain::PushDirectory{});
}

TEST(PushFileTest, EveryDamagedByteIsRefused) {
  const std::string bytes = encode_push_directory(sample());
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    EXPECT_FALSE(decode_push_directory(bad).ok()) << "byte " << i;
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, bytes.size() - 1}) {
    EXPECT_FALSE(decode_push_directory(bytes.substr(0, n)).ok()) << n;
  }
}

TEST(PushFileTest, MissingFileIsEmptyAndWrittenFileIsPrivate) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rc-push-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "push.bin").string();
  Result<domain::PushDirectory> none = read_push_file(path);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->subscription_count(), 0u);
  ASSERT_TRUE(write_push_file(path, sample()).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<domain::PushDirectory> back = read_push_file(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sample());
  std::ofstream(path, std::ios::trunc) << "garbage";
  Result<domain::PushDirectory> bad = read_push_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find(path), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rollcall::wal
