// Which proxy a push request goes through, as libcurl would choose it.

#include "rollcall/push/proxy_env.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <utility>
#include <vector>

namespace rollcall::push {
namespace {

TEST(PushProxyEnv, PicksTheProxyOfTheScheme) {
  const ProxyEnv env("http://proxy.district:3128", "http://plain.district:8080", "");
  EXPECT_EQ(env.proxy_for("https", "fcm.googleapis.com"), "http://proxy.district:3128");
  EXPECT_EQ(env.proxy_for("http", "fcm.googleapis.com"), "http://plain.district:8080");
  EXPECT_EQ(ProxyEnv().proxy_for("https", "fcm.googleapis.com"), "");
}

TEST(PushProxyEnv, NoProxyNamesHostsAndDomains) {
  const ProxyEnv env("http://proxy:3128", "", "internal.example, .corp.example 10.1.2.3,[::1]");
  EXPECT_EQ(env.proxy_for("https", "internal.example"), "");
  EXPECT_EQ(env.proxy_for("https", "push.internal.example"), "");
  EXPECT_EQ(env.proxy_for("https", "notinternal.example"), "http://proxy:3128");
  EXPECT_EQ(env.proxy_for("https", "corp.example"), "");
  EXPECT_EQ(env.proxy_for("https", "a.corp.example"), "");
  EXPECT_EQ(env.proxy_for("https", "10.1.2.3"), "");
  EXPECT_EQ(env.proxy_for("https", "10.1.2.30"), "http://proxy:3128");
  EXPECT_EQ(env.proxy_for("https", "[::1]"), "");
  EXPECT_EQ(env.proxy_for("https", "INTERNAL.example"), "");
  EXPECT_EQ(ProxyEnv("http://proxy:3128", "", "*").proxy_for("https", "any.example"), "");
}

TEST(PushProxyEnv, ReadsTheEnvironmentAsLibcurlDoes) {
  const char* names[] = {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                         "all_proxy",   "ALL_PROXY",   "no_proxy",   "NO_PROXY"};
  std::vector<std::pair<const char*, std::string>> saved;  // put back afterwards
  for (const char* n : names) {
    if (const char* v = getenv(n)) saved.emplace_back(n, v);
    unsetenv(n);
  }
  setenv("HTTPS_PROXY", "http://upper:1", 1);
  setenv("HTTP_PROXY", "http://ignored:2", 1);  // libcurl reads http_proxy in lower case only
  setenv("ALL_PROXY", "http://all:3", 1);
  setenv("NO_PROXY", "skip.example", 1);
  const ProxyEnv env = ProxyEnv::from_environment();
  EXPECT_EQ(env.proxy_for("https", "a.example"), "http://upper:1");
  EXPECT_EQ(env.proxy_for("http", "a.example"), "http://all:3");
  EXPECT_EQ(env.proxy_for("https", "skip.example"), "");
  setenv("https_proxy", "http://lower:4", 1);
  EXPECT_EQ(ProxyEnv::from_environment().proxy_for("https", "a.example"), "http://lower:4");
  for (const char* n : names) unsetenv(n);
  EXPECT_EQ(ProxyEnv::from_environment().proxy_for("https", "a.example"), "");
  for (const auto& [name, value] : saved) setenv(name, value.c_str(), 1);
}

}  // namespace
}  // namespace rollcall::push
