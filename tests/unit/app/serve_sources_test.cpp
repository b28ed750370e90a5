// `rollcall serve`'s settings from a --config file and ROLLCALL_<FLAG> variables,
// beside the command line: precedence, validation, and errors that name their source.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "rollcall/app/config.hpp"
#include "rollcall/app/serve_flags.hpp"

namespace rollcall::app {
namespace {

namespace fs = std::filesystem;

class ServeSources : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "rollcall-sources-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& text, const std::string& name = "rollcall.conf") {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  Result<Command> parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
    return parse_command_line(args, env);
  }
  ServeConfig ok(std::vector<std::string> args, std::vector<std::string> env = {}) {
    auto cmd = parse(std::move(args), std::move(env));
    EXPECT_TRUE(cmd.ok()) << cmd.error();
    if (!cmd.ok()) return {};
    EXPECT_EQ(cmd->kind, Command::Kind::Serve);
    return cmd->serve;
  }
  std::string error(std::vector<std::string> args, std::vector<std::string> env = {}) {
    auto cmd = parse(std::move(args), std::move(env));
    EXPECT_FALSE(cmd.ok());
    return cmd.ok() ? std::string() : cmd.error();
  }
  fs::path dir_;
};

TEST_F(ServeSources, CommandLineBeatsEnvironmentBeatsFileBeatsDefault) {
  const std::string conf = file(
      "listen = 127.0.0.1:7000\n"
      "shards = 3\n"
      "max-connections = 3000\n"
      "max-body-bytes = 1000\n");
  const ServeConfig c =
      ok({"serve", "--config", conf, "--listen", "127.0.0.1:9000"},
         {"ROLLCALL_SHARDS=5", "ROLLCALL_LISTEN=127.0.0.1:8000", "ROLLCALL_IDLE_TIMEOUT_MS=700"});
  EXPECT_EQ(c.listen, "127.0.0.1:9000");  // command line over environment over file
  EXPECT_EQ(c.shards, 5u);                // environment over file
  EXPECT_EQ(c.max_connections, 3000u);    // file over default
  EXPECT_EQ(c.body_bytes_max, 1000u);
  EXPECT_EQ(c.idle_timeout_ms, 700u);                               // environment over default
  EXPECT_EQ(c.header_timeout_ms, ServeConfig{}.header_timeout_ms);  // default
}

TEST_F(ServeSources, ConfigFileAlone) {
  const ServeConfig c = ok({"serve", "--config=" + file("data-dir = /srv/rc\ndemo = true\n")});
  EXPECT_EQ(c.data_dir, "/srv/rc");
  EXPECT_TRUE(c.demo);
}

TEST_F(ServeSources, SwitchesTakeTrueOrFalseOutsideTheCommandLine) {
  const std::string on = file("demo = true\nws-echo = false\n");
  EXPECT_TRUE(ok({"serve", "--config", on}).demo);
  EXPECT_FALSE(ok({"serve", "--config", on}, {"ROLLCALL_DEMO=false"}).demo);
  EXPECT_TRUE(ok({"serve", "--config", on, "--demo"}, {"ROLLCALL_DEMO=false"}).demo);
  EXPECT_TRUE(ok({"serve"}, {"ROLLCALL_WS_ECHO=true"}).ws_echo);
  EXPECT_EQ(error({"serve", "--config", file("demo = yes\n")}),
            (dir_ / "rollcall.conf").string() +
                ":1: invalid value 'yes' for --demo: expected true or false");
  EXPECT_EQ(error({"serve"}, {"ROLLCALL_PUSH_ALLOW_PRIVATE=1"}),
            "ROLLCALL_PUSH_ALLOW_PRIVATE: invalid value '1' for --push-allow-private: expected "
            "true or false");
}

TEST_F(ServeSources, RepeatableFlagTakenWholeFromTheHighestSourceThatSetsIt) {
  const std::string conf = file("trusted-proxy = 10.0.0.1\ntrusted-proxy = 10.0.0.2, 10.0.0.3\n");
  const auto trusts = [](const ServeConfig& c, const char* ip) {
    return c.trusted_proxies.trusts(net::parse_ip(ip).value());
  };
  const ServeConfig from_file = ok({"serve", "--config", conf});
  EXPECT_EQ(from_file.trusted_proxies.size(), 3u);
  EXPECT_TRUE(trusts(from_file, "10.0.0.3"));

  const ServeConfig from_env = ok({"serve", "--config", conf}, {"ROLLCALL_TRUSTED_PROXY=::1"});
  EXPECT_EQ(from_env.trusted_proxies.size(), 1u);
  EXPECT_TRUE(trusts(from_env, "::1"));
  EXPECT_FALSE(trusts(from_env, "10.0.0.1"));

  const ServeConfig from_line =
      ok({"serve", "--config", conf, "--trusted-proxy", "192.0.2.1", "--trusted-proxy=192.0.2.2"},
         {"ROLLCALL_TRUSTED_PROXY=::1"});
  EXPECT_EQ(from_line.trusted_proxies.size(), 2u);
  EXPECT_TRUE(trusts(from_line, "192.0.2.2"));
  EXPECT_FALSE(trusts(from_line, "::1"));
  EXPECT_FALSE(trusts(from_line, "10.0.0.1"));
}

TEST_F(ServeSources, FileErrorsNameFileAndLine) {
  const std::string path = (dir_ / "rollcall.conf").string();
  EXPECT_EQ(error({"serve", "--config", file("# x\n\nmax-conections = 5\n")}),
            path + ":3: unknown key 'max-conections'");
  EXPECT_EQ(error({"serve", "--config", file("--shards = 2\n")}),
            path + ":1: unknown key '--shards' (keys are flag names without the leading --)");
  EXPECT_EQ(error({"serve", "--config", file("config = /etc/other.conf\n")}),
            path + ":1: 'config' cannot be set in a config file");
  EXPECT_EQ(error({"serve", "--config", file("shards = 2\nshards = 3\n")}),
            path + ":2: 'shards' is set again (first on line 1); only repeatable flags repeat");
  EXPECT_EQ(error({"serve", "--config", file("ring-events = 3\n")}),
            path + ":1: invalid value '3' for --ring-events: expected a power of two");
  EXPECT_EQ(error({"serve", "--config", file("shards = 4 # four\n")}),
            path + ":1: invalid value '4 # four' for --shards: expected an integer from 1 to 256");
  EXPECT_EQ(
      error({"serve", "--config", file("trusted-proxy = 10.0.0.0/33\n")}).rfind(path + ":1: ", 0),
      0u);
}

TEST_F(ServeSources, EnvironmentErrorsNameTheVariable) {
  EXPECT_EQ(error({"serve"}, {"ROLLCALL_SHARDS=abc"}),
            "ROLLCALL_SHARDS: invalid value 'abc' for --shards: expected an integer from 1 to 256");
  EXPECT_EQ(error({"serve"}, {"ROLLCALL_PUBLIC_URL="}),
            "ROLLCALL_PUBLIC_URL: invalid value '' for --public-url: expected http://... or "
            "https://...");
}

TEST_F(ServeSources, EveryValueIsCheckedEvenWhenAHigherSourceOverridesIt) {
  const std::string conf = file("shards = many\n");
  EXPECT_EQ(error({"serve", "--config", conf, "--shards", "2"}),
            (dir_ / "rollcall.conf").string() +
                ":1: invalid value 'many' for --shards: expected an integer from 1 to 256");
  EXPECT_EQ(error({"serve", "--shards", "2"}, {"ROLLCALL_SHARDS=0"}).rfind("ROLLCALL_SHARDS: ", 0),
            0u);
}

TEST_F(ServeSources, ChecksAcrossFlagsSeeTheMergedSettings) {
  const std::string conf = file("shards = 4\n");
  EXPECT_NE(error({"serve", "--config", conf}, {"ROLLCALL_MAX_CONNECTIONS=2"})
                .find("--max-connections (2) must be at least --shards (4)"),
            std::string::npos);
  EXPECT_NE(error({"serve", "--config", file("proxy-protocol = true\n", "p.conf")})
                .find("--proxy-protocol needs --trusted-proxy"),
            std::string::npos);
}

TEST_F(ServeSources, OnlyRollcallFlagVariablesAreRead) {
  const ServeConfig c =
      ok({"serve"}, {"ROLLCALL_BIN=/x/rollcall", "ROLLCALL_SOURCE_ROOT=/x",
                     "ROLLCALL_MAX_CONECTIONS=abc", "rollcall_shards=abc", "SHARDS=abc",
                     "ROLLCALL_=1", "ROLLCALL_HELP=true", "PATH=/usr/bin", "NOEQUALS"});
  EXPECT_EQ(c.max_connections, ServeConfig{}.max_connections);
  EXPECT_EQ(c.shards, usable_cores());
}

TEST_F(ServeSources, ConfigFileFromTheEnvironmentUnlessTheCommandLineNamesOne) {
  const std::string a = file("shards = 3\n", "a.conf");
  const std::string b = file("shards = 7\nmax-connections = 700\n", "b.conf");
  EXPECT_EQ(ok({"serve"}, {"ROLLCALL_CONFIG=" + a}).shards, 3u);
  EXPECT_EQ(ok({"serve", "--config", b}, {"ROLLCALL_CONFIG=" + a}).shards, 7u);
  EXPECT_EQ(error({"serve"}, {"ROLLCALL_CONFIG="}),
            "ROLLCALL_CONFIG: invalid value '' for --config: expected a file name");
}

TEST_F(ServeSources, MissingConfigFileIsAnError) {
  const std::string missing = (dir_ / "nope.conf").string();
  EXPECT_EQ(error({"serve", "--config", missing}),
            missing + ": cannot open config file: No such file or directory");
  EXPECT_EQ(error({"serve", "--config"}), "missing value for --config");
  EXPECT_EQ(error({"serve", "--config", ""}),
            "invalid value '' for --config: expected a file name");
}

TEST_F(ServeSources, HelpIsShownWhateverTheFileOrEnvironmentHolds) {
  auto cmd = parse({"serve", "--config", (dir_ / "nope.conf").string(), "--help"},
                   {"ROLLCALL_SHARDS=abc"});
  ASSERT_TRUE(cmd.ok()) << cmd.error();
  EXPECT_EQ(cmd->kind, Command::Kind::Help);
  EXPECT_EQ(cmd->help_topic, "serve");
}

TEST_F(ServeSources, HelpExplainsSourcesAndVariableNames) {
  // Words as the reader sees them, whatever the wrapping.
  std::string help;
  for (const char ch : serve_help()) {
    const bool space = ch == ' ' || ch == '\n';
    if (!space || (!help.empty() && help.back() != ' ')) help.push_back(space ? ' ' : ch);
  }
  for (const char* text :
       {"--config FILE", "ROLLCALL_MAX_CONNECTIONS=20000", "ROLLCALL_CONFIG=FILE",
        "Precedence: command line, then ROLLCALL_<FLAG>, then the file, then the default.",
        "other ROLLCALL_ variables are ignored", "takes true or false", "no quotes",
        "only trusted-proxy may repeat", "At most 64 KiB, lines at most 4096 bytes."}) {
    EXPECT_NE(help.find(text), std::string::npos) << text << "\n" << help;
  }
}

}  // namespace
}  // namespace rollcall::app
