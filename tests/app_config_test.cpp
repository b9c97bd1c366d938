// Configuration layering and the command table: file discovery order, key validation with
// hints, database location rules, and the documented config/runner.ini itself.
#include <gtest/gtest.h>

#include <filesystem>
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

// A [rate] key must name an API action the runner calls (the cancels and discovery's reads):
// a typo gets a hint instead of limiting nothing; one far from every name gets the list.
TEST(Config, RateForAnUnknownActionIsRefusedWithAHint) {
    auto typo = parse_config_text("[rate]\nmax_qps = 9\nCancelColection = 5\n", "t.ini");
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().code, 78);
    EXPECT_EQ(typo.error().message,
              "t.ini:3: unknown setting 'rate.CancelColection': 'CancelColection' is not an API "
              "action the runner calls; did you mean 'CancelCollection'?");
    auto read = parse_config_text("[rate]\nListCollection = 5\n", "t.ini");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().message,
              "t.ini:2: unknown setting 'rate.ListCollection': 'ListCollection' is not an API "
              "action the runner calls; did you mean 'ListCollections'?");
    auto far = parse_config_text("[rate]\nDeleteEverything = 5\n", "t.ini");
    ASSERT_FALSE(far);
    EXPECT_EQ(far.error().message,
              "t.ini:2: unknown setting 'rate.DeleteEverything': 'DeleteEverything' is not an API "
              "action the runner calls (QueryUserInfoByAccount, ListCollections, "
              "QuerySharesToUserList, QueryWorksByOrganization, QueryShareList, CancelCollection, "
              "CancelReportShare)");
    auto reads = parse_config_text("[rate]\nQueryShareList = 3\nMAX_QPS = 8\n", "t.ini");
    ASSERT_TRUE(reads) << reads.error().message;
    EXPECT_EQ(reads->action_qps.at("QueryShareList"), 3);
    EXPECT_EQ(reads->max_qps, 8);
}

// A key given twice is an error naming both lines, in one section, in a section opened again,
// and across sections that differ only in case.
TEST(Config, DuplicateKeysAreErrors) {
    auto same = parse_config_text("[rate]\nCancelCollection = 5\nCancelCollection = 7\n", "t.ini");
    ASSERT_FALSE(same);
    EXPECT_EQ(same.error().code, 78);
    EXPECT_EQ(same.error().message,
              "t.ini:3: duplicate key 'CancelCollection' in [rate] (first at line 2)");
    auto reopened = parse_config_text("[run]\nworkers = 4\n[api]\n[run]\nWorkers = 8\n", "t.ini");
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().message,
              "t.ini:5: duplicate key 'Workers' in [run] (first at line 2)");
    auto cased = parse_config_text("[run]\nworkers = 4\n[RUN]\nworkers = 8\n", "t.ini");
    ASSERT_FALSE(cased);
    EXPECT_EQ(cased.error().message, "t.ini:4: duplicate setting 'run.workers' (first at line 2)");
    auto qps = parse_config_text("[rate]\nmax_qps = 4\nMax_Qps = 8\n", "t.ini");
    ASSERT_FALSE(qps);
    EXPECT_EQ(qps.error().message, "t.ini:3: duplicate key 'Max_Qps' in [rate] (first at line 2)");
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
    EXPECT_NE(out.find("\n  run [--workers N]"), std::string::npos);
    EXPECT_NE(out.find("Global options"), std::string::npos);
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
    // Except the documentation (the build writes the man pages whatever /etc holds).
    EXPECT_EQ(run_cli({"--config", bad.string(), "help", "--man", "qbi-runner"}, out, err), 0);
    EXPECT_EQ(out.rfind(".TH QBI-RUNNER 1 ", 0), 0u) << out;
    EXPECT_EQ(run_cli({"--config", bad.string(), "completion", "bash"}, out, err), 0);
    EXPECT_EQ(err, "");
}

// Every option value is checked before a command acts: a usage error (64) naming the option
// and the value, and nothing created (no database, no lock).
TEST(Cli, OptionValuesAreCheckedBeforeActing) {
    test::TempDir dir;
    const std::string db = (dir / "q.db").string();
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"run", "--workers", "abc"},
         "--workers: run.workers: expected a whole number from 1 to 512, got 'abc'"},
        {{"run", "--workers", "0"},
         "--workers: run.workers: expected a whole number from 1 to 512, got '0'"},
        {{"run", "--max-qps", "0"},
         "--max-qps: rate.max_qps: expected calls per second, a number above 0, got '0'"},
        {{"run", "--max-time", "banana"},
         "--max-time: expected a duration such as 90s, 15m or 2h, got 'banana'"},
        {{"tasks", "j", "--limit", "5abc"},
         "--limit: expected a positive whole number, got '5abc'"},
        {{"tasks", "j", "--limit", "0"}, "--limit: expected a positive whole number, got '0'"},
    };
    for (const auto& [args, message] : cases) {
        std::vector<std::string> argv = {"--db", db};
        argv.insert(argv.end(), args.begin(), args.end());
        std::string out, err;
        EXPECT_EQ(run_cli(argv, out, err), 64) << args[0] << " " << args[1];
        EXPECT_EQ(err, "qbi-runner: error: " + message + "\n");
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace qbi::app
