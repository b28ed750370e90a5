#include "rollcall/push/base64url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace rollcall::push {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

TEST(Base64Url, EncodesTheRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
  // Standard base64 of these bytes is "+/+/" and "+/8=".
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_-_"), "\xfb\xff\xbf"s);
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff"s);
}

TEST(Base64Url, DecodesWithOrWithoutPadding) {
  EXPECT_EQ(base64url_decode(""), ""s);
  EXPECT_EQ(base64url_decode("Zg"), "f"s);
  EXPECT_EQ(base64url_decode("Zg=="), "f"s);
  EXPECT_EQ(base64url_decode("Zm8"), "fo"s);
  EXPECT_EQ(base64url_decode("Zm8="), "fo"s);
  EXPECT_EQ(base64url_decode("Zm9v"), "foo"s);
  EXPECT_EQ(base64url_decode("Zm9vYmE="), "fooba"s);
  EXPECT_EQ(base64url_decode("-_8="), "\xfb\xff"s);
}

TEST(Base64Url, RefusesEverythingElse) {
  for (const std::string_view bad : {
           "+/8"sv,       // the standard alphabet
           "+/+/"sv,      //
           "Zm9v/w"sv,    //
           " Zg"sv,       // whitespace anywhere
           "Zg "sv,       //
           "Zm\n8"sv,     //
           "Zm\t8"sv,     //
           "Zg="sv,       // too little padding
           "Zg==="sv,     // too much
           "Zm8=="sv,     //
           "Zm9v="sv,     //
           "Zm9v===="sv,  //
           "===="sv,      // padding alone
           "="sv,         //
           "=Zg="sv,      // padding not at the end
           "Zm=8"sv,      //
           "Z"sv,         // 4k + 1 characters encode nothing
           "Zm9vY"sv,     //
           "Zh"sv,        // non-zero unused bits ("Zg" is canonical)
           "Zm9="sv,      //
           "Zm.8"sv,      // not in any alphabet
           "Zm\08"sv,     // an embedded NUL ('\0' then '8')
       }) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(Base64Url, RoundTripsEveryByteAtEveryLength) {
  std::string bytes;
  for (std::size_t n = 0; n <= 300; ++n) {
    const std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.size(), (n * 4 + 2) / 3) << n;  // no padding
    EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"),
              std::string::npos)
        << text;
    EXPECT_EQ(base64url_decode(text), bytes) << n;
    bytes.push_back(static_cast<char>((n * 167 + 13) & 0xFF));
  }
}

}  // namespace
}  // namespace rollcall::push
