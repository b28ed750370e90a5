#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

std::string hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
    out.push_back(' ');
  }
  return out;
}

// A straightforward decoder to compare the DFA against (RFC 3629 §3 and §4).
bool reference_valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp, min;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

bool whole(std::string_view s) {
  Utf8Validator v;
  return v.feed(s) && v.complete();
}

struct Case {
  const char* name;
  std::string text;
  bool valid;
};

std::vector<Case> corpus() {
  std::vector<Case> c = {
      {"empty", "", true},
      {"Autobahn 6.2.1", "Hello-µ@ßöäüàá-UTF-8!!", true},
      {"kosme", bytes({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5}), true},
      {"U+0000", bytes({0x00}), true},
      {"U+007F", bytes({0x7F}), true},
      {"U+0080", bytes({0xC2, 0x80}), true},
      {"U+07FF", bytes({0xDF, 0xBF}), true},
      {"U+0800", bytes({0xE0, 0xA0, 0x80}), true},
      {"U+D7FF", bytes({0xED, 0x9F, 0xBF}), true},
      {"U+E000", bytes({0xEE, 0x80, 0x80}), true},
      {"U+FFFD", bytes({0xEF, 0xBF, 0xBD}), true},
      {"U+FFFF", bytes({0xEF, 0xBF, 0xBF}), true},
      {"U+10000", bytes({0xF0, 0x90, 0x80, 0x80}), true},
      {"U+10FFFF", bytes({0xF4, 0x8F, 0xBF, 0xBF}), true},
      {"U+FEFF BOM", bytes({0xEF, 0xBB, 0xBF}), true},
      {"noncharacter U+FFFE", bytes({0xEF, 0xBF, 0xBE}), true},
      {"mixed",
       std::string("a\xC2\xA9"
                   "b\xE2\x82\xAC"
                   "c\xF0\x9F\x98\x80"),
       true},
      // kosme with the last byte replaced (Autobahn 6.3.1), and its invalid tail
      {"kosme broken", bytes({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE,
                              0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64}),
       false},
      // overlongs
      {"overlong / C0 AF", bytes({0xC0, 0xAF}), false},
      {"overlong C0 80", bytes({0xC0, 0x80}), false},
      {"overlong C1 BF", bytes({0xC1, 0xBF}), false},
      {"overlong E0 80 80", bytes({0xE0, 0x80, 0x80}), false},
      {"overlong E0 9F BF", bytes({0xE0, 0x9F, 0xBF}), false},
      {"overlong F0 80 80 80", bytes({0xF0, 0x80, 0x80, 0x80}), false},
      {"overlong F0 8F BF BF", bytes({0xF0, 0x8F, 0xBF, 0xBF}), false},
      {"overlong F8 80 80 80 80", bytes({0xF8, 0x80, 0x80, 0x80, 0x80}), false},
      // surrogates
      {"surrogate U+D800", bytes({0xED, 0xA0, 0x80}), false},
      {"surrogate U+DB7F", bytes({0xED, 0xAD, 0xBF}), false},
      {"surrogate U+DFFF", bytes({0xED, 0xBF, 0xBF}), false},
      {"surrogate pair", bytes({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}), false},
      // beyond U+10FFFF
      {"U+110000", bytes({0xF4, 0x90, 0x80, 0x80}), false},
      {"F5 lead", bytes({0xF5, 0x80, 0x80, 0x80}), false},
      {"5-byte form", bytes({0xF8, 0x88, 0x80, 0x80, 0x80}), false},
      {"6-byte form", bytes({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}), false},
      {"FE", bytes({0xFE}), false},
      {"FF", bytes({0xFF}), false},
      {"FE FE FF FF", bytes({0xFE, 0xFE, 0xFF, 0xFF}), false},
      // stray continuation bytes
      {"lone 80", bytes({0x80}), false},
      {"lone BF", bytes({0xBF}), false},
      {"ascii then 80", "abc" + bytes({0x80}) + "def", false},
      {"two continuations", bytes({0xC2, 0xA9, 0xA9}), false},
      // truncated sequences
      {"truncated C2", bytes({0xC2}), false},
      {"truncated E2 82", bytes({0xE2, 0x82}), false},
      {"truncated F0 9F 98", bytes({0xF0, 0x9F, 0x98}), false},
      {"truncated F4 8F", bytes({0xF4, 0x8F}), false},
      {"truncated then ascii", bytes({0xE2, 0x82, 0x41}), false},
      {"lead then lead", bytes({0xC2, 0xC2, 0x80}), false},
      {"kosme truncated", bytes({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE}),
       false},
  };
  // every byte F5..FF and C0, C1 alone and followed by continuations
  for (int b : {0xC0, 0xC1, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF}) {
    c.push_back({"bad lead", bytes({0x41, b, 0x80, 0x80, 0x80}), false});
  }
  return c;
}

TEST(Utf8Test, CorpusWholeAndSplitAtEveryPosition) {
  for (const Case& c : corpus()) {
    ASSERT_EQ(reference_valid(c.text), c.valid) << c.name;  // the table itself
    EXPECT_EQ(whole(c.text), c.valid) << c.name << ": " << hex(c.text);
    for (std::size_t split = 0; split <= c.text.size(); ++split) {
      Utf8Validator v;
      const bool first = v.feed(std::string_view(c.text).substr(0, split));
      const bool ok = first && v.feed(std::string_view(c.text).substr(split)) && v.complete();
      EXPECT_EQ(ok, c.valid) << c.name << " split at " << split;
    }
  }
}

TEST(Utf8Test, CorpusByteByByteAndPaddedAcrossWordBoundaries) {
  for (const Case& c : corpus()) {
    Utf8Validator v;
    bool ok = true;
    for (char ch : c.text) ok = ok && v.feed(std::string_view(&ch, 1));
    EXPECT_EQ(ok && v.complete(), c.valid) << c.name;
    // Inside ASCII runs of every alignment, so the 8- and 16-byte skips meet it.
    for (std::size_t pad = 0; pad < 40; ++pad) {
      const std::string text = std::string(pad, 'x') + c.text + std::string(40 - pad, 'y');
      EXPECT_EQ(whole(text), c.valid) << c.name << " after " << pad;
    }
  }
}

TEST(Utf8Test, FailsFastOnTheFirstImpossibleByte) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed("Hello "));
  EXPECT_TRUE(v.feed(bytes({0xCE, 0xBA, 0xE1})));  // could still be valid
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.feed(bytes({0xBD, 0x41})));  // E1 BD then 'A': impossible
  EXPECT_FALSE(v.feed("more ascii"));         // stays failed
  EXPECT_FALSE(v.feed(""));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(v.feed("fine again"));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8Test, TruncatedSequencesAreOnlyIncomplete) {
  for (const std::string& s :
       {bytes({0xC2}), bytes({0xE0, 0xA0}), bytes({0xF0, 0x90, 0x80}), bytes({0xF4})}) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(s)) << hex(s);
    EXPECT_FALSE(v.complete()) << hex(s);
  }
}

TEST(Utf8Test, BadByteAtEveryPositionOfALongAsciiRun) {
  for (std::size_t pos = 0; pos < 70; ++pos) {
    std::string text(70, 'a');
    text[pos] = static_cast<char>(0x80);
    EXPECT_FALSE(whole(text)) << pos;
    text[pos] = static_cast<char>(0xC3);  // truncated 2-byte: 'a' is no continuation
    EXPECT_FALSE(whole(text)) << pos;
    if (pos + 1 < text.size()) {
      text[pos + 1] = static_cast<char>(0xA9);  // é
      EXPECT_TRUE(whole(text)) << pos;
    }
  }
}

TEST(Utf8Test, AllOneAndTwoByteSequencesMatchTheReference) {
  for (int a = 0; a < 256; ++a) {
    const std::string one = bytes({a});
    ASSERT_EQ(whole(one), reference_valid(one)) << hex(one);
    for (int b = 0; b < 256; ++b) {
      const std::string two = bytes({a, b});
      ASSERT_EQ(whole(two), reference_valid(two)) << hex(two);
    }
  }
}

TEST(Utf8Test, AllThreeByteSequencesFromMultiByteLeadsMatchTheReference) {
  for (int a = 0xC0; a < 256; ++a) {
    for (int b = 0x70; b < 0xD0; ++b) {  // around the continuation range
      for (int c = 0; c < 256; ++c) {
        const std::string three = bytes({a, b, c});
        ASSERT_EQ(whole(three), reference_valid(three)) << hex(three);
      }
    }
  }
}

TEST(Utf8Test, FourByteSequencesMatchTheReference) {
  for (int a = 0xEF; a < 256; ++a) {
    for (int b = 0x7F; b <= 0xC0; ++b) {
      for (int c : {0x7F, 0x80, 0xBF, 0xC0}) {
        for (int d : {0x00, 0x7F, 0x80, 0x9F, 0xBF, 0xC0, 0xFF}) {
          const std::string four = bytes({a, b, c, d});
          ASSERT_EQ(whole(four), reference_valid(four)) << hex(four);
        }
      }
    }
  }
}

TEST(Utf8Test, EveryCodePointEncodedIsValidExceptSurrogates) {
  for (std::uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x11000 ? 1 : 97)) {
    std::string s;
    if (cp < 0x80) {
      s = bytes({static_cast<int>(cp)});
    } else if (cp < 0x800) {
      s = bytes({0xC0 | static_cast<int>(cp >> 6), 0x80 | static_cast<int>(cp & 0x3F)});
    } else if (cp < 0x10000) {
      s = bytes({0xE0 | static_cast<int>(cp >> 12), 0x80 | static_cast<int>(cp >> 6 & 0x3F),
                 0x80 | static_cast<int>(cp & 0x3F)});
    } else {
      s = bytes({0xF0 | static_cast<int>(cp >> 18), 0x80 | static_cast<int>(cp >> 12 & 0x3F),
                 0x80 | static_cast<int>(cp >> 6 & 0x3F), 0x80 | static_cast<int>(cp & 0x3F)});
    }
    ASSERT_EQ(whole(s), cp < 0xD800 || cp > 0xDFFF) << std::hex << cp;
  }
}

}  // namespace
}  // namespace rollcall::ws
