#include "rollcall/http/router.hpp"

#include <gtest/gtest.h>

namespace rollcall::http {
namespace {

void h1(Exchange&) {}
void h2(Exchange&) {}
void h3(Exchange&) {}

// The plain function a match found (handlers are std::functions).
using Fn = void (*)(Exchange&);
Fn fn_of(const Router::Match& m) {
  if (m.handler == nullptr) return nullptr;
  const Fn* f = m.handler->target<Fn>();
  return f != nullptr ? *f : nullptr;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/api/v1/classes", h1);
    router_.add("POST", "/api/v1/classes/{class_id}/sessions", h2);
    router_.add("PUT", "/api/v1/sessions/{session_id}/attendance/{student_id}", h3);
    router_.add("GET", "/api/v1/sessions/{session_id}/attendance", h1);
  }
  Router router_;
};

TEST_F(RouterTest, ExactPathMatches) {
  const auto m = router_.match("GET", "/api/v1/classes");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  EXPECT_EQ(fn_of(m), &h1);
  EXPECT_EQ(m.params.count, 0);
}

TEST_F(RouterTest, ParametersAreCapturedInOrder) {
  const auto m = router_.match("PUT", "/api/v1/sessions/456/attendance/123");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  EXPECT_EQ(fn_of(m), &h3);
  ASSERT_EQ(m.params.count, 2);
  EXPECT_EQ(m.params[0], "456");
  EXPECT_EQ(m.params[1], "123");
  EXPECT_EQ(m.params.id(0), 456u);
}

TEST_F(RouterTest, WrongMethodIs405WithTheAllowList) {
  const auto m = router_.match("DELETE", "/api/v1/classes");
  ASSERT_EQ(m.kind, Router::Match::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD");
  const auto post_only = router_.match("GET", "/api/v1/classes/4/sessions");
  ASSERT_EQ(post_only.kind, Router::Match::Kind::MethodNotAllowed);
  EXPECT_EQ(post_only.allow, "POST");
}

TEST_F(RouterTest, HeadIsServedByTheGetRoute) {
  const auto m = router_.match("HEAD", "/api/v1/sessions/9/attendance");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  EXPECT_EQ(fn_of(m), &h1);
}

TEST_F(RouterTest, NearMissesAreNotFound) {
  EXPECT_EQ(router_.match("GET", "/api/v1/classes/").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("GET", "/api/v1/class").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("GET", "/api/v1/classes/x/y").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("POST", "/api/v1/classes//sessions").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("GET", "/api/v1/sessions/1/attendance/2/3").kind,
            Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("GET", "").kind, Router::Match::Kind::NotFound);
}

TEST_F(RouterTest, FallbackTakesEveryUnmatchedPathButNotWrongMethodsOnRoutes) {
  router_.set_fallback(h2);
  const auto m = router_.match("GET", "/index.html");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  EXPECT_EQ(fn_of(m), &h2);
  EXPECT_EQ(router_.match("POST", "/api/v1/classes").kind, Router::Match::Kind::MethodNotAllowed);
}

TEST(RouteParams, IdsArePositiveDecimalWithoutLeadingZeros) {
  RouteParams p;
  p.count = 6;
  p.values[0] = "1";
  p.values[1] = "0";
  p.values[2] = "007";
  p.values[3] = "12a";
  EXPECT_EQ(p.id(0), 1u);
  EXPECT_FALSE(p.id(1));
  EXPECT_FALSE(p.id(2));
  EXPECT_FALSE(p.id(3));
  RouteParams big;
  big.count = 2;
  big.values[0] = "9223372036854775807";
  big.values[1] = "9223372036854775808";
  EXPECT_EQ(big.id(0), 9223372036854775807ull);
  EXPECT_FALSE(big.id(1));
}

}  // namespace
}  // namespace rollcall::http

namespace rollcall::http {
namespace {

TEST(RouterOverlap, ALiteralSegmentWithAnotherMethodIsFoundAfterAParameter) {
  Router r;
  r.add("GET", "/api/v1/classes/{class_id}", h1);
  r.add("POST", "/api/v1/classes/join", h2);
  const auto join = r.match("POST", "/api/v1/classes/join");
  ASSERT_EQ(join.kind, Router::Match::Kind::Found);
  EXPECT_EQ(fn_of(join), &h2);
  const auto get = r.match("GET", "/api/v1/classes/7");
  ASSERT_EQ(get.kind, Router::Match::Kind::Found);
  EXPECT_EQ(fn_of(get), &h1);
  const auto del = r.match("DELETE", "/api/v1/classes/7");
  EXPECT_EQ(del.kind, Router::Match::Kind::MethodNotAllowed);
}

}  // namespace
}  // namespace rollcall::http
