#include "rollcall/auth/qr_svg.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace rollcall::auth {
namespace {

/// The module grid an SVG from render_qr_svg draws, quiet zone included; empty if
/// the SVG is not in the documented shape.
struct Grid {
  int w = 0;
  std::vector<std::vector<bool>> dark;
};

Grid parse_svg(const std::string& svg) {
  Grid g;
  int w2 = 0;
  if (std::sscanf(svg.c_str(), R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d")",
                  &g.w, &w2) != 2 ||
      g.w != w2 || g.w <= 0) {
    return {};
  }
  g.dark.assign(static_cast<std::size_t>(g.w),
                std::vector<bool>(static_cast<std::size_t>(g.w), false));
  const std::size_t d = svg.find(" d=\"");
  if (d == std::string::npos) return {};
  const char* p = svg.c_str() + d + 4;
  while (*p == 'M') {
    int x = 0, y = 0, n = 0, n2 = 0, consumed = 0;
    if (std::sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &consumed) != 4 || consumed == 0 ||
        n != n2 || n <= 0 || x < 0 || y < 0 || x + n > g.w || y >= g.w) {
      return {};
    }
    for (int i = 0; i < n; ++i) {
      if (g.dark[static_cast<std::size_t>(y)][static_cast<std::size_t>(x + i)])
        return {};  // overlapping runs
      g.dark[static_cast<std::size_t>(y)][static_cast<std::size_t>(x + i)] = true;
    }
    p += consumed;
  }
  if (std::string(p) != "\"/></svg>\n") return {};
  return g;
}

/// The 7x7 finder pattern with its top-left module at (x, y), plus its light separator
/// row and column on the symbol side.
bool finder_at(const Grid& g, int x, int y) {
  for (int dy = 0; dy < 7; ++dy) {
    for (int dx = 0; dx < 7; ++dx) {
      const bool ring = dx == 0 || dx == 6 || dy == 0 || dy == 6;
      const bool core = dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4;
      if (g.dark[static_cast<std::size_t>(y + dy)][static_cast<std::size_t>(x + dx)] !=
          (ring || core))
        return false;
    }
  }
  return true;
}

int version_of(const Grid& g) {
  const int modules = g.w - 2 * kQrQuietZoneModules;
  return (modules - 17) % 4 == 0 ? (modules - 17) / 4 : -1;
}

const std::string kUrl =
    "https://rollcall.example.org/check-in?t=AQECAwQFBgcIAAAAAAdbzRV7Ug63kXtHgQ3tt1wgRzuQ";

TEST(QrSvgTest, RendersAStandaloneSvgOfTheDocumentedShape) {
  Result<std::string> svg = render_qr_svg(kUrl);
  ASSERT_TRUE(svg.ok()) << svg.error();
  EXPECT_EQ(svg->rfind(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )", 0), 0u);
  EXPECT_NE(svg->find(R"(shape-rendering="crispEdges")"), std::string::npos);
  EXPECT_NE(svg->find(R"(fill="#fff")"), std::string::npos);
  EXPECT_EQ(svg->find("<path"), svg->rfind("<path"));  // exactly one path
  const Grid g = parse_svg(*svg);
  ASSERT_GT(g.w, 0) << *svg;
  const int v = version_of(g);
  ASSERT_GE(v, 1);
  ASSERT_LE(v, 40);
  // 84 bytes in 8-bit mode at level M: version 5 (5-M holds exactly 84 bytes).
  EXPECT_EQ(kUrl.size(), 84u);
  EXPECT_EQ(v, 5);
  EXPECT_EQ(g.w, 5 * 4 + 17 + 8);
}

TEST(QrSvgTest, HasFinderPatternsAndAQuietZone) {
  Result<std::string> svg = render_qr_svg(kUrl);
  ASSERT_TRUE(svg.ok());
  const Grid g = parse_svg(*svg);
  ASSERT_GT(g.w, 0);
  const int q = kQrQuietZoneModules;
  const int last = g.w - q - 7;
  EXPECT_TRUE(finder_at(g, q, q));
  EXPECT_TRUE(finder_at(g, last, q));
  EXPECT_TRUE(finder_at(g, q, last));
  EXPECT_FALSE(finder_at(g, last, last));  // QR has three, not four
  for (int i = 0; i < g.w; ++i) {
    for (int b = 0; b < q; ++b) {
      const std::size_t ii = static_cast<std::size_t>(i);
      EXPECT_FALSE(g.dark[static_cast<std::size_t>(b)][ii]);
      EXPECT_FALSE(g.dark[static_cast<std::size_t>(g.w - 1 - b)][ii]);
      EXPECT_FALSE(g.dark[ii][static_cast<std::size_t>(b)]);
      EXPECT_FALSE(g.dark[ii][static_cast<std::size_t>(g.w - 1 - b)]);
    }
  }
  // Timing pattern: row 6 alternates between the top finders.
  for (int x = q + 8; x < last - 1; ++x) {
    EXPECT_EQ(g.dark[static_cast<std::size_t>(q + 6)][static_cast<std::size_t>(x)],
              (x - q) % 2 == 0)
        << x;
  }
}

// The smallest version that fits, per ISO/IEC 18004 capacities of 8-bit mode at
// level M (1: 14, 2: 26, 3: 42, 4: 62, 5: 84 bytes). Another level or mode would
// change these boundaries.
TEST(QrSvgTest, VersionFollowsLevelMByteCapacities) {
  const std::pair<std::size_t, int> cases[] = {{1, 1},  {14, 1}, {15, 2}, {26, 2}, {27, 3}, {42, 3},
                                               {43, 4}, {62, 4}, {63, 5}, {84, 5}, {85, 6}};
  for (const auto& [size, version] : cases) {
    // Digits would fit numeric mode in far less: this checks the whole text is 8-bit.
    Result<std::string> svg = render_qr_svg(std::string(size, '7'));
    ASSERT_TRUE(svg.ok()) << size;
    EXPECT_EQ(version_of(parse_svg(*svg)), version) << size << " bytes";
  }
}

TEST(QrSvgTest, DeterministicAndDependsOnTheText) {
  Result<std::string> a = render_qr_svg(kUrl);
  Result<std::string> b = render_qr_svg(kUrl);
  Result<std::string> c = render_qr_svg(kUrl + "x");
  Result<std::string> d = render_qr_svg(kUrl.substr(0, kUrl.size() - 1) + "R");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_NE(*a, *d);
  EXPECT_EQ(parse_svg(*d).w, parse_svg(*a).w);  // same size, different modules
}

TEST(QrSvgTest, LengthLimits) {
  Result<std::string> max = render_qr_svg(std::string(kMaxQrTextBytes, 'a'));
  ASSERT_TRUE(max.ok()) << max.error();
  const int v = version_of(parse_svg(*max));
  EXPECT_GT(v, 30);
  EXPECT_LE(v, 40);
  Result<std::string> over = render_qr_svg(std::string(kMaxQrTextBytes + 1, 'a'));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().find("2048"), std::string::npos) << over.error();
  Result<std::string> binary = render_qr_svg(std::string("a\0b", 3));
  EXPECT_TRUE(binary.ok());
}

}  // namespace
}  // namespace rollcall::auth
