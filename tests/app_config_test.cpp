// Configuration layering and the command table: file discovery order, key validation with
// hints, database location rules, and the documented config/runner.ini itself.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "runner/app/config.h"
#include "tests/support/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace qbi::app {
namespace {

Env fake_env(std::map<std::string, std::string> vars) {
    return env_from_map(std::move(vars));
}

// The shipped example documents every key and parses cleanly.
TEST(Config, ShippedRunnerIniDocumentsEveryKey) {
    std::string path = std::string(QBI_TEST_SOURCE_DIR) + "/config/runner.ini";
    auto cfg = load_config_file(path);
    ASSERT_TRUE(cfg) << cfg.error().message;
    std::string text = test::read_file(path);
    for (const auto& key : known_keys()) {
        std::string section = key.substr(0, key.find('.'));
        std::string name = key.substr(key.find('.') + 1);
        EXPECT_NE(text.find("[" + section + "]"), std::string::npos) << key;
        EXPECT_NE(text.find("\n" + name + " ="), std::string::npos) << key;
    }
    EXPECT_EQ(cfg->signature, "v3");
    EXPECT_EQ(cfg->max_qps, 20);
    EXPECT_EQ(cfg->grace_ms, 20000);
}

// api.call_timeout: the whole call (30 s by default), 0 for none, a duration otherwise.
TEST(Config, CallTimeoutIsADurationOrZero) {
    EXPECT_EQ(Config{}.call_timeout_ms, 30000);
    auto a = parse_config_text("[api]\ncall_timeout = 2s\n", "t.ini");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->call_timeout_ms, 2000);
    auto b = parse_config_text("[api]\ncall_timeout = 0\n", "t.ini");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->call_timeout_ms, 0);
    auto c = parse_config_text("[api]\ncall_timeout = forever\n", "t.ini");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message,
              "t.ini:2: api.call_timeout: expected a duration such as 500ms, 20s, 5m or 1h, got "
              "'forever'");
}

TEST(Config, UnknownKeySuggestsNearest) {
    auto cfg = parse_config_text("[rate]\nmax_qps = 5\n[run]\nworkrs = 4\n", "t.ini");
    ASSERT_FALSE(cfg);
    EXPECT_EQ(cfg.error().message,
              "t.ini:4: unknown setting 'run.workrs'; did you mean 'run.workers'?");
    EXPECT_EQ(cfg.error().code, 78);
}

TEST(Config, BadValuesNameTheKey) {
    auto a = parse_config_text("[api]\nsignature = v2\n", "t.ini");
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().message, "t.ini:2: api.signature: expected one of v1, v3, got 'v2'");
    auto b = parse_config_text("[run]\nworkers = many\n", "t.ini");
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().message,
              "t.ini:2: run.workers: expected a whole number from 1 to 512, got 'many'");
    auto c = parse_config_text("[serve]\ngrace = soon\n", "t.ini");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message,
              "t.ini:2: serve.grace: expected a duration such as 500ms, 20s, 5m or 1h, got 'soon'");
    auto d = parse_config_text("workers = 3\n", "t.ini");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "t.ini:1: 'workers' is outside any [section]");
    auto e = parse_config_text("[run\n", "t.ini");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().message, "t.ini:1: expected a [section] header");
}

TEST(Config, PerActionRateKeepsActionCase) {
    auto cfg = parse_config_text("[rate]\nCancelCollection = 7.5\n", "t.ini");
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ(cfg->action_qps.at("CancelCollection"), 7.5);
}

// Discovery order: explicit, $QBI_RUNNER_CONFIG, $CONFIGURATION_DIRECTORY/runner.ini.
TEST(Config, FileDiscoveryOrder) {
    test::TempDir dir;
    auto a = dir.write("a.ini", "[run]\nworkers = 2\n");
    auto b = dir.write("confdir/runner.ini", "[run]\nworkers = 3\n");
    auto env = fake_env({{"QBI_RUNNER_CONFIG", a.string()},
                         {"CONFIGURATION_DIRECTORY", (dir / "confdir").string()}});
    EXPECT_EQ(*find_config_file("", env), a.string());
    EXPECT_EQ(*find_config_file(b.string(), env), b.string());
    EXPECT_EQ(
        *find_config_file("", fake_env({{"CONFIGURATION_DIRECTORY", (dir / "confdir").string()}})),
        b.string());
    auto missing = find_config_file((dir / "nope.ini").string(), env);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "configuration file " + (dir / "nope.ini").string() + " does not exist");
}

TEST(Config, DatabaseLocationRules) {
    Config cfg;
    auto env = fake_env({{"STATE_DIRECTORY", "/var/lib/qbi-runner:/other"},
                         {"XDG_STATE_HOME", "/home/u/.state"},
                         {"HOME", "/home/u"}});
    EXPECT_EQ(*resolve_database("/x.db", cfg, env), "/x.db");
    EXPECT_EQ(*resolve_database("", cfg, env), "/var/lib/qbi-runner/queue.db");
    EXPECT_EQ(*resolve_database("", cfg, fake_env({{"XDG_STATE_HOME", "/s"}})),
              "/s/qbi-runner/queue.db");
    EXPECT_EQ(*resolve_database("", cfg, fake_env({{"HOME", "/h"}})),
              "/h/.local/state/qbi-runner/queue.db");
    cfg.database = "/cfg.db";
    EXPECT_EQ(*resolve_database("", cfg, env), "/cfg.db");
    EXPECT_FALSE(resolve_database("", Config{}, fake_env({})));
}

int run_cli(const std::vector<std::string>& args, std::string& out, std::string& err) {
    auto r = test::run_cli(args, fake_env({}));
    out = r.out;
    err = r.err;
    return r.code;
}

TEST(Cli, UnknownCommandSuggestsNearest) {
    std::string out, err;
    EXPECT_EQ(run_cli({"vresion"}, out, err), 64);
    EXPECT_EQ(err,
              "qbi-runner: error: unknown command 'vresion'; did you mean 'version'? (see "
              "qbi-runner --help)\n");
}

TEST(Cli, VersionAndHelp) {
    std::string out, err;
    EXPECT_EQ(run_cli({"version"}, out, err), 0);
    EXPECT_EQ(out, std::string("qbi-runner ") + QBI_VERSION + "\n");
    EXPECT_EQ(run_cli({"--json", "version"}, out, err), 0);
    EXPECT_EQ(out, std::string("{\"schema\":1,\"version\":\"") + QBI_VERSION + "\"}\n");
    EXPECT_EQ(run_cli({"--help"}, out, err), 0);
    EXPECT_NE(out.find("Commands:"), std::string::npos);
    EXPECT_EQ(run_cli({}, out, err), 64);
    EXPECT_NE(err.find("usage: qbi-runner"), std::string::npos);
}

TEST(Cli, BadConfigFileStopsEveryCommand) {
    test::TempDir dir;
    auto bad = dir.write("bad.ini", "[api]\nsignature = sha1\n");
    std::string out, err;
    EXPECT_EQ(run_cli({"--config", bad.string(), "version"}, out, err), 78);
    EXPECT_EQ(err, "qbi-runner: error: " + bad.string() +
                       ":2: api.signature: expected one of v1, v3, got 'sha1'\n");
    EXPECT_EQ(run_cli({"--signature", "v2", "version"}, out, err), 64);
    EXPECT_EQ(err, "qbi-runner: error: api.signature: expected one of v1, v3, got 'v2'\n");
}

}  // namespace
}  // namespace qbi::app
