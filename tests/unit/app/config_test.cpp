#include "rollcall/app/config.hpp"

#include <gtest/gtest.h>

namespace rollcall::app {
namespace {

// No environment: ROLLCALL_<FLAG> variables of the shell running the tests must not count.
Result<Command> parse(std::vector<std::string> args) {
  return parse_command_line(args, {});
}

TEST(Config, ServeDefaultsMatchTheContract) {
  auto cmd = parse({"serve"});
  ASSERT_TRUE(cmd.ok()) << cmd.error();
  EXPECT_EQ(cmd->kind, Command::Kind::Serve);
  EXPECT_EQ(cmd->serve.listen, "0.0.0.0:8080");
  EXPECT_EQ(cmd->serve.data_dir, "./rollcall-data");
  EXPECT_EQ(cmd->serve.shards, usable_cores());
  EXPECT_EQ(cmd->serve.max_connections, 20000u);
  EXPECT_EQ(cmd->serve.head_bytes_max, 16384u);
  EXPECT_EQ(cmd->serve.body_bytes_max, 1048576u);
  EXPECT_EQ(cmd->serve.header_timeout_ms, 10000u);
  EXPECT_EQ(cmd->serve.idle_timeout_ms, 60000u);
  EXPECT_EQ(cmd->serve.ws_ping_interval_ms, 30000u);     // API.md §5: a ping every 30 s
  EXPECT_EQ(cmd->serve.ws_silence_timeout_ms, 75000u);   // dropped after 75 s of silence
  EXPECT_EQ(cmd->serve.ws_backlog_bytes_max, 1048576u);  // 1 MiB, then close 1013
  EXPECT_EQ(cmd->serve.sync_clock_skew_s, 120u);         // offline ops: 2 minutes ahead at most
  EXPECT_EQ(cmd->serve.sync_max_offline_s, 86400u);      // ... and a day behind (API.md §6)
  EXPECT_FALSE(cmd->serve.web_dir.empty());
}

TEST(Config, FlagsWithSpaceOrEquals) {
  auto cmd = parse({"serve", "--listen", "127.0.0.1:0", "--shards=3", "--data-dir", "/tmp/x",
                    "--demo", "--max-connections=300", "--web-dir", "/srv/web"});
  ASSERT_TRUE(cmd.ok()) << cmd.error();
  EXPECT_EQ(cmd->serve.listen, "127.0.0.1:0");
  EXPECT_EQ(cmd->serve.shards, 3u);
  EXPECT_EQ(cmd->serve.data_dir, "/tmp/x");
  EXPECT_TRUE(cmd->serve.demo);
  EXPECT_EQ(cmd->serve.max_connections, 300u);
  EXPECT_EQ(cmd->serve.web_dir, "/srv/web");
}

TEST(Config, BadInputIsNamedInTheError) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const Case cases[] = {
      {{"serve", "--bogus"}, "unknown option '--bogus'"},
      {{"serve", "--shards"}, "missing value for --shards"},
      {{"serve", "--shards", "0"}, "invalid value '0' for --shards"},
      {{"serve", "--shards", "two"}, "invalid value 'two' for --shards"},
      {{"serve", "--max-connections", "-5"}, "invalid value '-5' for --max-connections"},
      {{"serve", "--demo=yes"}, "--demo takes no value"},
      {{"serve", "--log-level", "loud"}, "invalid value 'loud' for --log-level"},
      {{"serve", "--shards", "4", "--max-connections", "2"}, "must be at least --shards"},
      {{"serve", "--ws-ping-interval-ms", "5000", "--ws-silence-timeout-ms", "5000"},
       "--ws-silence-timeout-ms (5000) must be more than --ws-ping-interval-ms (5000)"},
      {{"serve", "--ws-ping-interval-ms", "50"}, "invalid value '50' for --ws-ping-interval-ms"},
      {{"serve", "--sync-clock-skew-s", "-1"}, "invalid value '-1' for --sync-clock-skew-s"},
      {{"serve", "--sync-clock-skew-s", "3601"}, "invalid value '3601' for --sync-clock-skew-s"},
      {{"serve", "--sync-max-offline-s", "0"}, "invalid value '0' for --sync-max-offline-s"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{}, "no command given"},
  };
  for (const Case& c : cases) {
    auto cmd = parse(c.args);
    ASSERT_FALSE(cmd.ok()) << c.expect;
    EXPECT_NE(cmd.error().find(c.expect), std::string::npos) << cmd.error();
  }
}

TEST(Config, TrustedProxiesAreParsedOnceIntoTheSetTheServerUses) {
  auto cmd = parse({"serve", "--trusted-proxy", "10.0.0.0/8, 192.0.2.7", "--trusted-proxy=::1",
                    "--proxy-protocol"});
  ASSERT_TRUE(cmd.ok()) << cmd.error();
  const net::AddressSet& trusted = cmd->serve.trusted_proxies;
  EXPECT_EQ(trusted.size(), 3u);
  EXPECT_TRUE(trusted.trusts(net::parse_ip("10.9.8.7").value()));
  EXPECT_TRUE(trusted.trusts(net::parse_ip("192.0.2.7").value()));
  EXPECT_TRUE(trusted.trusts(net::parse_ip("::1").value()));
  EXPECT_FALSE(trusted.trusts(net::parse_ip("192.0.2.8").value()));
  EXPECT_TRUE(cmd->serve.proxy_protocol);
  auto off = parse({"serve"});
  ASSERT_TRUE(off.ok()) << off.error();
  EXPECT_TRUE(off->serve.trusted_proxies.empty());
  EXPECT_FALSE(off->serve.proxy_protocol);
}

TEST(Config, ProxyProtocolNeedsTrustedProxiesAndBadEntriesAreNamed) {
  auto alone = parse({"serve", "--proxy-protocol"});
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().find("--trusted-proxy"), std::string::npos) << alone.error();
  auto bad = parse({"serve", "--trusted-proxy", "10.0.0.1,10.0.0.0/33"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("'10.0.0.0/33'"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("--trusted-proxy"), std::string::npos) << bad.error();
}

TEST(Config, HelpAndVersion) {
  EXPECT_EQ(parse({"--help"})->kind, Command::Kind::Help);
  EXPECT_EQ(parse({"--version"})->kind, Command::Kind::Version);
  auto help_cmd = parse({"serve", "--help"});
  ASSERT_TRUE(help_cmd.ok());
  EXPECT_EQ(help_cmd->help_topic, "serve");
  for (const char* flag :
       {"--listen", "--data-dir", "--shards", "--web-dir", "--max-connections", "--demo",
        "--header-timeout-ms", "--idle-timeout-ms", "--ws-ping-interval-ms",
        "--ws-silence-timeout-ms", "--ws-backlog-bytes-max", "--ring-events", "--sync-clock-skew-s",
        "--sync-max-offline-s"}) {
    EXPECT_NE(serve_help().find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace rollcall::app

namespace rollcall::app {
namespace {

TEST(Config, EveryFlagTheHelpListsIsKnownToTheParser) {
  const std::string help = serve_help();
  std::size_t listed = 0;
  for (std::size_t at = help.find("\n  --"); at != std::string::npos;
       at = help.find("\n  --", at + 1)) {
    const std::size_t end = help.find_first_of(" \n", at + 3);
    const std::string flag = help.substr(at + 3, end - at - 3);
    if (flag == "--help") continue;
    ++listed;
    auto cmd = parse_command_line({"serve", flag}, {});
    if (!cmd.ok()) {
      EXPECT_EQ(cmd.error().find("unknown option"), std::string::npos) << flag;
    }
  }
  EXPECT_GE(listed, 26u);
}

TEST(Config, HelpShowsTheDefaultsThePartsUse) {
  const std::string help = serve_help();
  EXPECT_NE(help.find("(default " + std::to_string(http::ServerConfig{}.idle_timeout_ms) + ")"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("(default " + std::to_string(live::LiveConfig{}.ring_events) + ")"),
            std::string::npos);
  EXPECT_NE(help.find("(default ./rollcall-data)"), std::string::npos);
}

}  // namespace
}  // namespace rollcall::app
