// Cross-checks the push crypto with an independent implementation: Python's
// `cryptography` (OpenSSL underneath, but its own ECDSA encoding, HKDF and record
// handling), through tests/unit/push/webpush_check.py. Skipped where
// /usr/bin/python3 lacks python3-cryptography (tools/bootstrap installs it).

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstdio>
#include <string>

#include "rollcall/push/base64url.hpp"
#include "rollcall/push/ece.hpp"
#include "rollcall/push/vapid.hpp"

namespace rollcall::push {
namespace {

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kScript = ROLLCALL_TESTDATA_DIR "/../unit/push/webpush_check.py";

struct Command {
  int status = -1;
  std::string out;
};

/// Runs `command` (arguments are base64url, JWT dots and fixed words: nothing for
/// the shell to interpret) and collects its stdout.
Command run(const std::string& command) {
  Command result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf;
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.out.append(buf.data(), n);
  result.status = ::pclose(pipe);
  return result;
}

std::string script(const std::string& args) {
  return std::string(kPython) + " '" + kScript + "' " + args;
}

class PushPythonCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    if (run(std::string(kPython) + " -c 'import cryptography' 2>/dev/null").status != 0)
      GTEST_SKIP() << kPython << " cannot import cryptography (python3-cryptography)";
  }
};

TEST_F(PushPythonCheck, PythonVerifiesTheVapidJwt) {
  const VapidKeys keys = VapidKeys::generate();
  const std::string jwt =
      keys.jwt("https://push.example.net", "mailto:admin@localhost", 1700043200);
  const Command ok = run(script("verify-jwt " + jwt + " " + keys.public_key_b64url()));
  EXPECT_EQ(ok.status, 0) << jwt;
  EXPECT_EQ(ok.out,
            "{\"typ\":\"JWT\",\"alg\":\"ES256\"}\n"
            "{\"aud\":\"https://push.example.net\",\"exp\":1700043200,"
            "\"sub\":\"mailto:admin@localhost\"}\n");
  // And refuses it under another key: the check can fail.
  const Command other = run(script("verify-jwt " + jwt + " " +
                                   VapidKeys::generate().public_key_b64url() + " 2>/dev/null"));
  EXPECT_NE(other.status, 0);
}

TEST_F(PushPythonCheck, PythonDecryptsWhatEncryptWrites) {
  std::string ua_private(kP256PrivateKeyBytes, '\0');
  randombytes_buf(ua_private.data(), ua_private.size());
  ua_private[0] = static_cast<char>(ua_private[0] & 0x7F);  // below the order
  Result<VapidKeys> ua = VapidKeys::from_private_key(ua_private);
  ASSERT_TRUE(ua.ok()) << ua.error();
  std::string auth(kEceAuthSecretBytes, '\0');
  randombytes_buf(auth.data(), auth.size());
  for (const std::size_t size : {std::size_t{0}, std::size_t{100}, kEcePlaintextBytesMax}) {
    std::string plaintext(size, '\0');
    randombytes_buf(plaintext.data(), plaintext.size());
    Result<std::string> body = encrypt(plaintext, ua->public_key(), auth);
    ASSERT_TRUE(body.ok()) << body.error();
    const Command ok = run(script("decrypt " + base64url_encode(*body) + " " +
                                  base64url_encode(ua_private) + " " + base64url_encode(auth)));
    EXPECT_EQ(ok.status, 0) << size;
    EXPECT_EQ(ok.out, base64url_encode(plaintext) + "\n") << size;
  }
  std::string other_auth = auth;
  other_auth[0] = static_cast<char>(other_auth[0] ^ 1);
  Result<std::string> body = encrypt("x", ua->public_key(), auth);
  ASSERT_TRUE(body.ok()) << body.error();
  const Command wrong =
      run(script("decrypt " + base64url_encode(*body) + " " + base64url_encode(ua_private) + " " +
                 base64url_encode(other_auth) + " 2>/dev/null"));
  EXPECT_NE(wrong.status, 0);
}

}  // namespace
}  // namespace rollcall::push
