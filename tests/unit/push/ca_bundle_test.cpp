// --push-ca-file adds to the system's CAs; it does not replace them.

#include "rollcall/push/ca_bundle.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace rollcall::push {
namespace {

constexpr const char* kPem =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n";

class PushCaBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rollcall-ca-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(PushCaBundle, HoldsTheSystemBundleAndTheExtraCas) {
  const std::string system = write("system.pem", std::string(kPem) + "# system\n");
  const std::string extra = write("extra.pem", std::string("# ours\n") + kPem);
  Result<std::string> bundle = combined_ca_bundle(system, extra);
  ASSERT_TRUE(bundle.ok()) << bundle.error();
  EXPECT_NE(bundle->find("# system"), std::string::npos);
  EXPECT_NE(bundle->find("# ours"), std::string::npos);
  EXPECT_LT(bundle->find("# system"), bundle->find("# ours"));
  // A system bundle that does not end with a newline does not glue onto the next PEM.
  const std::string unterminated = write("unterminated.pem", "# system");
  Result<std::string> glued = combined_ca_bundle(unterminated, extra);
  ASSERT_TRUE(glued.ok()) << glued.error();
  EXPECT_NE(glued->find("# system\n"), std::string::npos);
}

TEST_F(PushCaBundle, AMissingSystemBundleLeavesTheExtraCas) {
  const std::string extra = write("extra.pem", kPem);
  Result<std::string> bundle = combined_ca_bundle(dir_ + "/none.pem", extra);
  ASSERT_TRUE(bundle.ok()) << bundle.error();
  EXPECT_EQ(*bundle, kPem);
  Result<std::string> no_system = combined_ca_bundle("", extra);
  ASSERT_TRUE(no_system.ok()) << no_system.error();
  EXPECT_EQ(*no_system, kPem);
}

TEST_F(PushCaBundle, RefusesAnExtraFileItCannotUse) {
  const std::string system = write("system.pem", kPem);
  Result<std::string> missing = combined_ca_bundle(system, dir_ + "/missing.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("missing.pem"), std::string::npos) << missing.error();
  const std::string junk = write("junk.pem", "not a certificate\n");
  Result<std::string> not_pem = combined_ca_bundle(system, junk);
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.error().find("junk.pem"), std::string::npos) << not_pem.error();
}

TEST_F(PushCaBundle, KnowsWhereLibcurlsBundleIs) {
  // Debian builds libcurl with /etc/ssl/certs/ca-certificates.crt.
  const std::string path = curl_default_ca_bundle();
  EXPECT_FALSE(path.empty());
  EXPECT_EQ(access(path.c_str(), R_OK), 0) << path;
}

}  // namespace
}  // namespace rollcall::push
