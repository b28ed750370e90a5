#include "rollcall/auth/secret.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace rollcall::auth {
namespace {

namespace fs = std::filesystem;

class SecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    std::string templ = (fs::temp_directory_path() / "rollcall-secret-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = dir_ + "/secret";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_file(const std::string& bytes, mode_t mode) const {
    std::ofstream(path_, std::ios::binary) << bytes;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }
  std::string read_file() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  mode_t mode_of(const std::string& p) const {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SecretTest, CreatesA32ByteOwnerOnlyFileAndReadsItBack) {
  const mode_t old_umask = ::umask(0);  // creation must not depend on the umask
  Result<Key> created = load_or_create_secret(path_);
  ::umask(old_umask);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(mode_of(path_), 0600u);
  const std::string bytes = read_file();
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ(std::string(created->begin(), created->end()), bytes);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
  EXPECT_NE(*created, Key{});  // random, not zeros

  Result<Key> loaded = load_or_create_secret(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(*loaded, *created);
}

TEST_F(SecretTest, TwoDataDirectoriesGetDifferentSecrets) {
  Result<Key> a = load_or_create_secret(path_);
  Result<Key> b = load_or_create_secret(path_ + "2");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(SecretTest, AStaleTemporaryFileIsReplaced) {
  { std::ofstream(path_ + ".tmp") << "garbage from a crash"; }
  ASSERT_EQ(::chmod((path_ + ".tmp").c_str(), 0644), 0);
  Result<Key> created = load_or_create_secret(path_);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(read_file().size(), 32u);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
}

TEST_F(SecretTest, RefusesAFileOfTheWrongSize) {
  for (const std::size_t size : {0u, 31u, 33u, 64u}) {
    write_file(std::string(size, 'k'), 0600);
    Result<Key> key = load_or_create_secret(path_);
    ASSERT_FALSE(key.ok()) << size;
    EXPECT_NE(key.error().find(path_), std::string::npos) << key.error();
    EXPECT_NE(key.error().find("exactly 32 bytes"), std::string::npos) << key.error();
    EXPECT_EQ(read_file().size(), size);  // never overwritten
  }
}

TEST_F(SecretTest, RefusesAFileGroupOrOthersCanAccess) {
  for (const mode_t mode : {0640u, 0604u, 0620u, 0602u, 0610u, 0601u, 0644u}) {
    write_file(std::string(32, 'k'), mode);
    Result<Key> key = load_or_create_secret(path_);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_NE(key.error().find(path_), std::string::npos) << key.error();
    EXPECT_NE(key.error().find("group or others"), std::string::npos) << key.error();
  }
  write_file(std::string(32, 'k'), 0400);
  Result<Key> key = load_or_create_secret(path_);
  ASSERT_TRUE(key.ok()) << key.error();
  EXPECT_EQ(*key, [] {
    Key k;
    k.fill('k');
    return k;
  }());
}

TEST_F(SecretTest, RefusesDirectoriesSymlinksAndMissingParents) {
  fs::create_directory(path_);
  ASSERT_EQ(::chmod(path_.c_str(), 0700), 0);
  Result<Key> dir = load_or_create_secret(path_);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().find(path_), std::string::npos) << dir.error();
  fs::remove(path_);

  const std::string target = dir_ + "/target";
  { std::ofstream(target) << std::string(32, 'k'); }
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  fs::create_symlink(target, path_);
  Result<Key> link = load_or_create_secret(path_);
  ASSERT_FALSE(link.ok());
  EXPECT_NE(link.error().find("symbolic link"), std::string::npos) << link.error();

  const std::string missing = dir_ + "/no/such/dir/secret";
  Result<Key> nodir = load_or_create_secret(missing);
  ASSERT_FALSE(nodir.ok());
  EXPECT_NE(nodir.error().find(missing), std::string::npos) << nodir.error();
}

TEST_F(SecretTest, DerivedKeysAreHmacSha256OfThePurpose) {
  Key master;
  for (std::size_t i = 0; i < master.size(); ++i) master[i] = static_cast<unsigned char>(i);
  const Key jwt = derive_key(master, "jwt");
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, jwt.data(), jwt.size());
  // Python: hmac.new(bytes(range(32)), b"jwt", hashlib.sha256).hexdigest()
  EXPECT_STREQ(hex, "82b1d02a2db5dbaeb52381afd94c38800426f1241944e4e7266b229e2e7be545");
  EXPECT_NE(derive_key(master, "qr"), jwt);
  EXPECT_NE(derive_key(master, "jwt"), master);
  Key other = master;
  other[5] ^= 1;
  EXPECT_NE(derive_key(other, "jwt"), jwt);
}

}  // namespace
}  // namespace rollcall::auth
