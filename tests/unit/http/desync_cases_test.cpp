// Checks aws/http-desync-guardian's request-smuggling corpus (tests/data/http/desync/*.yaml,
// flattened to desync_cases.json by desync_to_json.py): every Severe case must be refused
// and every Compliant case must parse. Ambiguous and Acceptable cases are not checked
// (the corpus allows either answer); they are still parsed, so they must not crash.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

#include "printable.hpp"
#include "rollcall/http/parser.hpp"

namespace rollcall::http {
namespace {

struct Case {
  std::string file;
  std::string name;
  std::string tier;
  std::string request;  // raw request head
};

// desync_cases.json stores byte strings as characters U+0000..U+00FF; simdjson hands
// them over as UTF-8, so turn each code point back into the byte it stands for.
std::string to_bytes(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x80 && i + 1 < utf8.size()) {  // 2-byte sequence: U+0080..U+00FF
      c = static_cast<unsigned char>(((c & 0x03) << 6) | (utf8[++i] & 0x3F));
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string str(simdjson::dom::element e) {
  return to_bytes(std::string_view(e));
}

std::vector<Case> load_cases() {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(ROLLCALL_TESTDATA_DIR "/http/desync_cases.json");
  std::vector<Case> cases;
  for (simdjson::dom::element c : doc.get_array()) {
    // METHOD SP URI SP VERSION CRLF, one "name: value" CRLF per header, CRLF; no body.
    std::string req = str(c["method"]) + " " + str(c["uri"]) + " " + str(c["version"]) + "\r\n";
    for (simdjson::dom::element h : c["headers"].get_array()) {
      req += str(h.at(0)) + ": " + str(h.at(1)) + "\r\n";
    }
    req += "\r\n";
    cases.push_back({str(c["file"]), str(c["name"]), str(c["tier"]), std::move(req)});
  }
  return cases;
}

using testing::printable;

// Compliant cases this server refuses on purpose.
const std::set<std::string> kRefusedCompliant = {
    // Raw UTF-8 in the target: llhttp's strict mode rejects it ("Disallow UTF-8 in URI
    // path in strict mode") and so do we; clients percent-encode.
    "International in URI",
};

TEST(DesyncCases, SevereRefusedCompliantServed) {
  const std::vector<Case> cases = load_cases();
  ASSERT_EQ(cases.size(), 159u);
  // "Large Size OK" declares a 4 MB body: the framing is what is tested here, not
  // the server's body limit (which would answer 413).
  Limits limits;
  limits.body_bytes_max = std::uint64_t{1} << 32;
  int severe = 0, compliant = 0;
  for (const Case& c : cases) {
    RequestHead head;
    const HeadResult r = parse_head(c.request, head, limits);
    const std::string where = c.file + ": \"" + c.name + "\"\n" + printable(c.request);
    if (c.tier == "Severe") {
      ++severe;
      EXPECT_EQ(r.status, HeadResult::Status::Error) << where;
    } else if (c.tier == "Compliant") {
      ++compliant;
      if (kRefusedCompliant.count(c.name)) {
        EXPECT_EQ(r.status, HeadResult::Status::Error) << where;
      } else {
        EXPECT_EQ(r.status, HeadResult::Status::Complete)
            << where << "\nerror: " << code_of(r.error);
        EXPECT_EQ(r.consumed, c.request.size()) << where;
      }
    }
  }
  EXPECT_EQ(severe, 58);
  EXPECT_EQ(compliant, 28);
}

}  // namespace
}  // namespace rollcall::http
