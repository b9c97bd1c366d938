// The metrics of issue 10: the text format (escaping, cumulative histograms), bounded labels,
// the listen address, the HTTP endpoint; then end to end: `serve` scraped during a run against
// qbi-sim with faults (parsed by Prometheus's Python client, counters equal to the audit log),
// the textfile of `batch` (equal to its summary, also after a halt), and contrib/ (alert rules
// through `promtool check rules`, the dashboard's expressions against the families).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "runner/api/codes.h"
#include "runner/app/config.h"
#include "runner/app/metrics_output.h"
#include "runner/core/clock.h"
#include "runner/jobs/job_spec.h"
#include "runner/metrics/exposition.h"
#include "runner/metrics/http_server.h"
#include "runner/metrics/registry.h"
#include "runner/queue/store.h"
#include "runner/sim/errors.h"
#include "tests/support/process.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

namespace fs = std::filesystem;

using test::parse_exposition;
using test::promtool_check_metrics;
using test::Sample;
using test::value_of;

// The label values the metrics give an audit row's action and code.
std::string action_label(const std::string& action) {
    const auto& known = jobs::api_actions();
    return std::find(known.begin(), known.end(), action) != known.end() ? action : "other";
}
std::string code_label(const std::string& code) {
    if (code.empty()) return "none";
    return is_known_code(code) ? code : "other";
}

// Attempt rows of the audit log by (action, outcome, code) label values.
std::map<std::string, double> audit_counts(const std::string& db) {
    auto store = queue::Store::open(db, SystemClock::instance());
    EXPECT_TRUE(store);
    std::map<std::string, double> out;
    if (!store) return out;
    auto n = store->for_each_attempt({}, [&](const queue::AttemptRow& r) {
        out[action_label(r.action) + "|" + std::string(outcome_name(r.record.outcome)) + "|" +
            code_label(r.record.code)] += 1;
        return true;
    });
    EXPECT_TRUE(n);
    return out;
}

std::map<std::string, double> attempt_counters(const std::vector<Sample>& samples) {
    std::map<std::string, double> out;
    for (const auto& s : samples)
        if (s.name == "qbi_runner_attempts_total")
            out[s.labels.at("action") + "|" + s.labels.at("outcome") + "|" + s.labels.at("code")] +=
                s.value;
    return out;
}

// ---- the format ----------------------------------------------------------------------------

TEST(MetricsFormat, EscapesLabelValuesHelpAndNumbers) {
    EXPECT_EQ(metrics::escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(metrics::escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
    EXPECT_EQ(metrics::format_value(3), "3");
    EXPECT_EQ(metrics::format_value(0.25), "0.25");
    EXPECT_EQ(metrics::format_value(70.74), "70.74");
    EXPECT_EQ(metrics::format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(metrics::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(metrics::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
    metrics::TextWriter w;
    w.family("x_total", "counter", "line one\nline \\two");
    w.sample("x_total", {{"a", "q\"uote"}, {"b", "new\nline"}}, std::int64_t{2});
    EXPECT_EQ(w.text(),
              "# HELP x_total line one\\nline \\\\two\n# TYPE x_total counter\n"
              "x_total{a=\"q\\\"uote\",b=\"new\\nline\"} 2\n");
}

TEST(MetricsFormat, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    metrics::Registry r({"CancelCollection"});
    for (std::int64_t ms : {10, 30, 700, 70000})
        r.on_attempt("CancelCollection", Outcome::Done, "", ms, 1000);
    const std::string text = r.render({}, "1.2.3");
    const std::string p = "qbi_runner_call_duration_seconds_bucket{action=\"CancelCollection\",le=";
    EXPECT_NE(
        text.find("# TYPE qbi_runner_call_duration_seconds histogram\n" + p + "\"0.025\"} 1\n" + p +
                  "\"0.05\"} 2\n" + p + "\"0.1\"} 2\n" + p + "\"0.25\"} 2\n" + p + "\"0.5\"} 2\n" +
                  p + "\"1\"} 3\n" + p + "\"2.5\"} 3\n" + p + "\"5\"} 3\n" + p + "\"10\"} 3\n" + p +
                  "\"30\"} 3\n" + p + "\"60\"} 3\n" + p +
                  "\"+Inf\"} 4\n"
                  "qbi_runner_call_duration_seconds_sum{action=\"CancelCollection\"} 70.74\n"
                  "qbi_runner_call_duration_seconds_count{action=\"CancelCollection\"} 4\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("qbi_runner_last_success_timestamp_seconds 1\n"), std::string::npos);
    EXPECT_NE(text.find("qbi_runner_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
}

// Codes outside the catalogue and unknown actions fold into "other"; no code is "none".
TEST(MetricsFormat, LabelValuesAreBounded) {
    metrics::Registry r({"CancelCollection", "CancelReportShare"});
    r.on_attempt("CancelCollection", Outcome::Permanent, "Made.Up.Code", 5, 0);
    r.on_attempt("CancelCollection", Outcome::Permanent, "HTTP.418", 5, 0);
    r.on_attempt("SomethingElse", Outcome::Retryable, "Throttling.User", 5, 0);
    r.on_attempt("CancelReportShare", Outcome::Done, "", 5, 0);
    const std::string text = r.render({}, "v");
    EXPECT_NE(
        text.find("qbi_runner_attempts_total{action=\"CancelCollection\",outcome=\"permanent\","
                  "code=\"other\"} 2\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("qbi_runner_attempts_total{action=\"other\",outcome=\"retryable\","
                        "code=\"Throttling.User\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("qbi_runner_attempts_total{action=\"CancelReportShare\",outcome=\"done\","
                        "code=\"none\"} 1\n"),
              std::string::npos);
    EXPECT_EQ(text.find("Made.Up"), std::string::npos);
    // The catalogue is sorted (a binary search) and holds every code the simulator knows.
    auto codes = known_codes();
    EXPECT_TRUE(std::is_sorted(codes.begin(), codes.end()));
    EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end());
    for (const auto& spec : sim::error_catalogue())
        EXPECT_TRUE(is_known_code(spec.code)) << spec.code;
    for (const char* c :
         {kCodeTimeout, kCodeConnection, kCodeTruncated, kCodeTls, kCodeAborted, kCodeProtocol,
          kCodeUnsuccessful, queue::kCodeInterrupted, queue::kCodeTooManyTasks})
        EXPECT_TRUE(is_known_code(c)) << c;
}

// Every family, with awkward label text, passes both real checkers.
TEST(MetricsFormat, FullExpositionPassesThePythonParserAndPromtool) {
    test::TempDir dir;
    metrics::Registry r(jobs::api_actions());
    r.on_attempt("CancelCollection", Outcome::Done, "", 120, 1700000000000);
    r.on_attempt("ListCollections", Outcome::Retryable, "Internal.System.Error", 40, 0);
    r.on_task(metrics::Registry::TaskResult::Done);
    r.on_throttled();
    r.set_rate_qps(12.5);
    r.set_halted(metrics::HaltCause::Permission);
    r.add_inbox(2, 1);
    metrics::QueueGauges q;
    q.known = true;
    q.queued = 7;
    q.due = 3;
    q.oldest_due_age_seconds = 12.25;
    q.audit_rows = 42;
    const metrics::RunEnd end{1700000001500, 1};
    const std::string version = "0.1.0 \"odd\\build\"\nx";
    const std::string text = r.render(q, version, &end);
    auto samples = parse_exposition(dir, text);
    EXPECT_EQ(value_of(samples, "qbi_runner_build_info", {{"version", version}}), 1);
    EXPECT_EQ(value_of(samples, "qbi_runner_halted", {{"cause", "permission"}}), 1);
    EXPECT_EQ(value_of(samples, "qbi_runner_halted", {{"cause", "auth"}}), 0);
    EXPECT_EQ(value_of(samples, "qbi_runner_rate_limit_qps"), 12.5);
    EXPECT_EQ(value_of(samples, "qbi_runner_tasks", {{"state", "queued"}}), 7);
    EXPECT_EQ(value_of(samples, "qbi_runner_oldest_due_age_seconds"), 12.25);
    EXPECT_EQ(value_of(samples, "qbi_runner_inbox_files_total", {{"result", "accepted"}}), 2);
    EXPECT_EQ(value_of(samples, "qbi_runner_run_exit_code"), 1);
    EXPECT_EQ(value_of(samples, "qbi_runner_last_success_timestamp_seconds"), 1700000000);
    auto lint = promtool_check_metrics(dir, text);
    EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
}

// The queue's gauges without a query that grows with the queue: the due tasks counted at most
// `cap` on each side of now, exact while one side is under the cap; the oldest due task's age.
TEST(MetricsQueue, DueTasksAreExactUnlessBothSidesPassTheCap) {
    test::TempDir dir;
    ManualClock clock(1700000000000);
    auto store = queue::Store::open(dir / "q.db", clock);
    ASSERT_TRUE(store);
    auto job = [](const std::string& name, int n, std::optional<std::int64_t> not_before) {
        queue::NewJob j;
        j.name = j.content_hash = name;
        j.not_before_ms = not_before;
        for (int i = 0; i < n; ++i)
            j.tasks.push_back(queue::NewTask{
                "CancelCollection", {{"UserId", "u"}, {"WorksId", name + std::to_string(i)}}, ""});
        return j;
    };
    ASSERT_TRUE(store->submit(job("now", 25, std::nullopt)));
    ASSERT_TRUE(store->submit(job("later", 5, 1700000600000)));
    clock.advance_ms(90000);  // the due tasks have waited 90 s
    auto exact = store->queue_stats(100);
    ASSERT_TRUE(exact);
    EXPECT_EQ(exact->counts.queued, 30);
    EXPECT_EQ(exact->due, 25);
    EXPECT_EQ(exact->oldest_due_at_ms, 1700000000000);
    EXPECT_EQ(exact->audit_rows, 0);
    auto capped_due = store->queue_stats(10);  // 10 due reached: 30 queued - 5 later
    ASSERT_TRUE(capped_due);
    EXPECT_EQ(capped_due->due, 25);
    auto both = store->queue_stats(4);  // both sides reach 4: a lower bound
    ASSERT_TRUE(both);
    EXPECT_EQ(both->due, 4);
    metrics::QueueGauges g = app::read_queue_gauges(*store, clock, 0);
    EXPECT_TRUE(g.known);
    EXPECT_EQ(g.due, 25);
    EXPECT_EQ(g.oldest_due_age_seconds, 90);
    EXPECT_EQ(g.queued, 30);
}

// ---- the listen address and the endpoint ---------------------------------------------------

TEST(MetricsEndpoint, ListenAddressesAndTheirErrors) {
    const std::string key = "serve.metrics_listen";
    auto a = metrics::parse_listen_address("9469", key);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->text(), "127.0.0.1:9469");
    EXPECT_TRUE(a->loopback);
    auto b = metrics::parse_listen_address("0.0.0.0:9469", key);
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->loopback);
    auto c = metrics::parse_listen_address("[::1]:0", key);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->text(), "[::1]:0");
    EXPECT_TRUE(c->loopback);
    EXPECT_TRUE(metrics::parse_listen_address("localhost:9469", key)->loopback);
    auto bad = metrics::parse_listen_address("metrics.example.com:9469", key);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, kExitConfig);
    EXPECT_EQ(bad.error().message,
              "serve.metrics_listen: expected HOST:PORT (e.g. 127.0.0.1:9469) or a port, got "
              "'metrics.example.com:9469': 'metrics.example.com' is not an IP address (name the "
              "address to listen on)");
    EXPECT_EQ(metrics::parse_listen_address("::1:9469", key).error().message,
              "serve.metrics_listen: expected HOST:PORT (e.g. 127.0.0.1:9469) or a port, got "
              "'::1:9469': put an IPv6 address in brackets, e.g. [::1]:9469");
    // At configuration load: the file's line is named.
    auto cfg = app::parse_config_text("[serve]\nmetrics_listen = 127.0.0.1:70000\n", "t.ini");
    ASSERT_FALSE(cfg);
    EXPECT_EQ(cfg.error().message,
              "t.ini:2: serve.metrics_listen: expected HOST:PORT (e.g. 127.0.0.1:9469) or a port, "
              "got '127.0.0.1:70000': the port must be a number from 0 to 65535");
    auto ok = app::parse_config_text("[serve]\nmetrics_listen = 127.0.0.1:9469\n", "t.ini");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->metrics_listen, "127.0.0.1:9469");
    EXPECT_EQ(app::Config{}.metrics_listen, "");  // off by default
}

TEST(MetricsEndpoint, ServesMetricsOnly404ElsewhereAndRefusesATakenPort) {
    auto addr = metrics::parse_listen_address("127.0.0.1:0", "k");
    ASSERT_TRUE(addr);
    auto server = metrics::MetricsServer::start(
        *addr, [] { return std::string("# TYPE x gauge\nx 1\n"); }, "serve.metrics_listen");
    ASSERT_TRUE(server) << server.error().message;
    const int port = (*server)->port();
    ASSERT_GT(port, 0);
    auto ok = test::http_request(port, "GET", "/metrics");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(ok.body, "# TYPE x gauge\nx 1\n");
    EXPECT_EQ(test::http_request(port, "GET", "/metrics?x=1").status, 200);
    EXPECT_EQ(test::http_request(port, "GET", "/").status, 404);
    EXPECT_EQ(test::http_request(port, "GET", "/metrics/x").status, 404);
    EXPECT_EQ(test::http_request(port, "POST", "/metrics").status, 405);
    // A second listener on the same port is a clear start-up error (78).
    metrics::ListenAddress same = *addr;
    same.port = port;
    auto second = metrics::MetricsServer::start(
        same, [] { return std::string(); }, "serve.metrics_listen");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, kExitConfig);
    EXPECT_EQ(
        second.error().message.rfind(
            "serve.metrics_listen: cannot listen on 127.0.0.1:" + std::to_string(port) + ": ", 0),
        0u)
        << second.error().message;
    (*server)->stop();
}

// ---- end to end ----------------------------------------------------------------------------

const char* kAk = "access_key_id = AKIDmetrics01\naccess_key_secret = metrics-secret-1\n";

std::string job_text(const std::string& name, int works) {
    std::string t = "version: 1\njob: " + name + "\ntasks:\n  - cancel-collection:\n" +
                    "      user: u1\n      works: [";
    for (int i = 0; i < works; ++i) t += (i ? ", w" : "w") + std::to_string(i);
    return t + "]\n";
}

class MetricsRun : public ::testing::Test {
protected:
    void SetUp() override {
        dir.write("ak", kAk);
        fs::create_directories(dir / "state/inbox");
    }
    test::SimFixtureOptions sim_options() {
        test::SimFixtureOptions o;
        o.credentials = {test::sim_credentials("AKIDmetrics01", "metrics-secret-1")};
        // u1's favourites w0..w49: half already gone (already_absent), half present (done).
        o.world_yaml = "implicit: true\nfavorites:\n";
        for (int i = 0; i < 50; i += 2)
            o.world_yaml += "  - {user: u1, work: w" + std::to_string(i) + "}\n";
        o.faults.latency_ms = 5;
        o.faults.fail.push_back(sim::FailRule{"Internal.System.Error", 0, 0.2});
        o.faults.fail.push_back(sim::FailRule{"Throttling.User", 0, 0.05});
        o.faults.fail.push_back(sim::FailRule{"Made.Up.Code", 400, 0.1});  // permanent, "other"
        return o;
    }
    std::string config(const std::string& extra) {
        return dir
            .write("runner.ini",
                   "[run]\nworkers = 4\nbackoff_base = 10ms\nbackoff_cap = 40ms\n"
                   "[rate]\nmax_qps = 1000\n" +
                       extra)
            .string();
    }
    std::vector<std::string> base_args(const test::SimFixture& sim, const std::string& cfg) {
        return {
            QBI_RUNNER_BIN,       "--config",     cfg,         "--db",        db(),
            "--endpoint",         sim.endpoint(), "--ca-file", sim.ca_file(), "--credentials-file",
            (dir / "ak").string()};
    }
    std::map<std::string, std::string> env() {
        return {{"STATE_DIRECTORY", (dir / "state").string()}, {"HOME", dir.path().string()}};
    }
    std::string db() const { return (dir / "state/queue.db").string(); }
    test::TempDir dir;
};

// serve with serve.metrics_listen: scraped while it works a job against a faulty simulator;
// every scrape answers, the counters only grow, and once every task is settled the counters
// equal the audit log's rows by action, outcome and code (unknown codes as "other").
TEST_F(MetricsRun, ServeScrapedDuringARunCountsWhatTheAuditLogHolds) {
    test::SimFixture sim(sim_options());
    const int kTasks = 40;
    dir.write("state/inbox/job.yaml", job_text("scraped", kTasks));
    auto args = base_args(sim, config("[serve]\nmetrics_listen = 127.0.0.1:0\ngrace = 1s\n"));
    args.push_back("serve");
    test::Process p(args, env(), dir.path().string());
    // The port chosen for :0 is logged.
    int port = 0;
    const std::regex logged("metrics: http://127\\.0\\.0\\.1:([0-9]+)/metrics");
    for (int i = 0; i < 500 && port == 0 && p.running(); ++i) {
        std::smatch m;
        const std::string err = p.err();
        if (std::regex_search(err, m, logged))
            port = std::stoi(m[1]);
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GT(port, 0) << p.err();
    double last_attempts = 0, settled = 0;
    int scrapes = 0;
    std::string text;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (settled < kTasks && std::chrono::steady_clock::now() < give_up) {
        auto a = test::http_request(port, "GET", "/metrics");
        ASSERT_EQ(a.status, 200);
        ASSERT_EQ(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
        text = a.body;
        ++scrapes;
        // A cheap reading between the real parses: sums of the lines of two families.
        double attempts = 0;
        settled = 0;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            const auto sp = line.rfind(' ');
            if (line.rfind("qbi_runner_attempts_total{", 0) == 0)
                attempts += std::stod(line.substr(sp + 1));
            if (line.rfind("qbi_runner_task_results_total{", 0) == 0 &&
                line.find("retried") == std::string::npos)
                settled += std::stod(line.substr(sp + 1));
        }
        EXPECT_GE(attempts, last_attempts);
        last_attempts = attempts;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(settled, kTasks) << p.err();
    EXPECT_GE(scrapes, 2);
    auto samples = parse_exposition(dir, text);
    const auto audit = audit_counts(db());
    EXPECT_EQ(attempt_counters(samples), audit);
    EXPECT_GT(audit.size(), 2u);  // successes and several failure codes
    EXPECT_GT(value_of(samples, "qbi_runner_attempts_total", {{"code", "other"}}), 0);
    double rows = 0;
    for (const auto& [k, n] : audit) rows += n;
    EXPECT_EQ(value_of(samples, "qbi_runner_call_duration_seconds_count",
                       {{"action", "CancelCollection"}}),
              rows);
    EXPECT_EQ(value_of(samples, "qbi_runner_inbox_files_total", {{"result", "accepted"}}), 1);
    EXPECT_EQ(value_of(samples, "qbi_runner_halted"), 0);
    EXPECT_GT(value_of(samples, "qbi_runner_last_success_timestamp_seconds"), 1.7e9) << text;
    auto lint = promtool_check_metrics(dir, text);
    EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
    // The queue's gauges are at most a second old: once that has passed they show the end.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto end = parse_exposition(dir, test::http_request(port, "GET", "/metrics").body);
    EXPECT_EQ(value_of(end, "qbi_runner_audit_rows_total"), rows);
    EXPECT_EQ(value_of(end, "qbi_runner_tasks", {{"state", "queued"}}), 0);
    EXPECT_EQ(value_of(end, "qbi_runner_tasks", {{"state", "succeeded"}}) +
                  value_of(end, "qbi_runner_tasks", {{"state", "failed"}}),
              kTasks);
    EXPECT_EQ(value_of(end, "qbi_runner_tasks", {{"state", "failed"}}),
              value_of(end, "qbi_runner_task_results_total", {{"result", "failed"}}));
    EXPECT_EQ(value_of(end, "qbi_runner_due_tasks"), 0);
    p.signal(SIGTERM);
    auto r = p.wait(10000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

// batch --metrics-file: the file appears atomically (no temporary left, mode 0644 whatever
// the umask), parses, and says what the summary says; the run's failures are in it.
TEST_F(MetricsRun, BatchTextfileMatchesTheRunSummary) {
    test::SimFixture sim(sim_options());
    dir.write("state/inbox/job.yaml", job_text("textfile", 30));
    fs::create_directories(dir / "textfile");
    const std::string prom = (dir / "textfile/qbi-runner.prom").string();
    auto args = base_args(sim, config(""));
    for (const char* a : {"--json", "batch", "--metrics-file"}) args.push_back(a);
    args.push_back(prom);
    std::vector<std::string> shell = {"/bin/sh", "-c", "umask 077; exec \"$0\" \"$@\""};
    shell.insert(shell.end(), args.begin(), args.end());
    auto r = test::run_process(shell, env(), dir.path().string(), 30000);
    ASSERT_EQ(r.exit_code, 1) << r.err;  // Made.Up.Code fails tasks
    struct stat st {};
    ASSERT_EQ(::stat(prom.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir / "textfile"), fs::directory_iterator()), 1);
    auto samples = parse_exposition(dir, test::read_file(prom));
    Poco::JSON::Parser parser;
    auto summary = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
    for (const char* k : {"done", "already_absent", "failed", "retried"})
        EXPECT_EQ(value_of(samples, "qbi_runner_task_results_total", {{"result", k}}),
                  summary->getValue<double>(k))
            << k;
    EXPECT_GT(summary->getValue<double>("failed"), 0);
    EXPECT_GT(summary->getValue<double>("done"), 0);
    EXPECT_GT(summary->getValue<double>("already_absent"), 0);
    EXPECT_EQ(value_of(samples, "qbi_runner_throttled_total"),
              summary->getValue<double>("throttled"));
    EXPECT_EQ(value_of(samples, "qbi_runner_attempts_total") -
                  value_of(samples, "qbi_runner_attempts_total", {{"outcome", "interrupted"}}),
              summary->getValue<double>("attempts"));
    EXPECT_EQ(attempt_counters(samples), audit_counts(db()));
    EXPECT_EQ(value_of(samples, "qbi_runner_inbox_files_total", {{"result", "accepted"}}), 1);
    EXPECT_EQ(value_of(samples, "qbi_runner_tasks", {{"state", "failed"}}),
              summary->getValue<double>("failed"));
    EXPECT_EQ(value_of(samples, "qbi_runner_run_exit_code"), 1);
    EXPECT_GT(value_of(samples, "qbi_runner_run_end_timestamp_seconds"), 1.7e9);
    auto lint = promtool_check_metrics(dir, test::read_file(prom));
    EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
}

// A halted run (the key refused) still writes its file: that is when it matters.
TEST_F(MetricsRun, HaltedRunStillWritesItsTextfile) {
    auto o = sim_options();
    o.faults = {};
    o.faults.halt_after = 3;
    o.faults.halt_code = "InvalidAccessKeyId.NotFound";
    test::SimFixture sim(o);
    dir.write("state/inbox/job.yaml", job_text("halted", 20));
    const std::string prom = (dir / "halted.prom").string();
    auto args = base_args(sim, config(""));
    for (const char* a : {"batch", "--metrics-file"}) args.push_back(a);
    args.push_back(prom);
    auto r = test::run_process(args, env(), dir.path().string(), 30000);
    ASSERT_EQ(r.exit_code, 78) << r.err;
    auto samples = parse_exposition(dir, test::read_file(prom));
    EXPECT_EQ(value_of(samples, "qbi_runner_halted", {{"cause", "auth"}}), 1);
    EXPECT_EQ(value_of(samples, "qbi_runner_halted", {{"cause", "permission"}}), 0);
    EXPECT_EQ(value_of(samples, "qbi_runner_run_exit_code"), 78);
    EXPECT_EQ(attempt_counters(samples), audit_counts(db()));
    EXPECT_GE(value_of(samples, "qbi_runner_attempts_total",
                       {{"outcome", "halt_auth"}, {"code", "InvalidAccessKeyId.NotFound"}}),
              1);
}

// A --metrics-file that cannot be written fails before anything is done (74), the inbox
// untouched.
TEST_F(MetricsRun, UnwritableMetricsFileFailsFirst) {
    dir.write("state/inbox/job.yaml", job_text("untouched", 2));
    const std::string prom = (dir / "missing/x.prom").string();
    auto r = test::run_process(
        {QBI_RUNNER_BIN, "--db", db(), "--endpoint", "https://127.0.0.1:9", "--credentials-file",
         (dir / "ak").string(), "batch", "--metrics-file", prom},
        env(), dir.path().string());
    EXPECT_EQ(r.exit_code, 74);
    EXPECT_EQ(r.err, "qbi-runner: error: metrics file " + prom + ": cannot create " +
                         (dir / "missing/.x.prom.tmp").string() + ": No such file or directory\n");
    EXPECT_TRUE(fs::exists(dir / "state/inbox/job.yaml"));
    EXPECT_FALSE(fs::exists(db()));
}

// ---- contrib -------------------------------------------------------------------------------

// Every qbi_runner_* name an expression uses must be a sample name the runner writes.
std::set<std::string> exposed_names() {
    metrics::Registry r(jobs::api_actions());
    r.on_attempt("CancelCollection", Outcome::Done, "", 10, 1);
    metrics::QueueGauges q;
    q.known = true;
    const metrics::RunEnd end{1, 0};
    std::set<std::string> names;
    std::istringstream lines(r.render(q, "v", &end));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line[0] != '#') names.insert(line.substr(0, line.find_first_of("{ ")));
    return names;
}

std::vector<std::string> unknown_names(const std::string& expr,
                                       const std::set<std::string>& names) {
    std::vector<std::string> out;
    const std::regex name("qbi_runner_[a-z_]+");
    for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name);
         it != std::sregex_iterator(); ++it)
        if (!names.count(it->str())) out.push_back(it->str());
    return out;
}

TEST(MetricsContrib, AlertRulesPassPromtoolAndUseExistingFamilies) {
    const std::string rules =
        std::string(QBI_TEST_SOURCE_DIR) + "/contrib/prometheus/qbi-runner-alerts.yml";
    test::TempDir dir;
    auto r = test::run_process({"/usr/bin/promtool", "check", "rules", rules}, std::nullopt,
                               dir.path().string());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("SUCCESS: 7 rules found"), std::string::npos) << r.out;
    const auto names = exposed_names();
    std::istringstream lines(test::read_file(rules));
    for (std::string line; std::getline(lines, line);)
        if (line.find("qbi_runner_") != std::string::npos &&
            line.find("summary") == std::string::npos) {
            EXPECT_EQ(unknown_names(line, names), std::vector<std::string>{}) << line;
        }
    for (const char* alert : {"QbiRunnerHalted", "QbiRunnerLastRunFailed",
                              "QbiRunnerOldestDueTaskOverADay", "QbiRunnerNoSuccessWhileWorkIsDue"})
        EXPECT_NE(test::read_file(rules).find("alert: " + std::string(alert) + "\n"),
                  std::string::npos)
            << alert;
}

TEST(MetricsContrib, DashboardIsJsonAndEveryPanelQueriesExistingFamilies) {
    const std::string text = test::read_file(std::string(QBI_TEST_SOURCE_DIR) +
                                             "/contrib/grafana/qbi-runner-dashboard.json");
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr dash;
    ASSERT_NO_THROW(dash = parser.parse(text).extract<Poco::JSON::Object::Ptr>());
    const auto names = exposed_names();
    auto panels = dash->getArray("panels");
    ASSERT_GT(panels->size(), 8u);
    for (std::size_t i = 0; i < panels->size(); ++i) {
        auto panel = panels->getObject(static_cast<unsigned>(i));
        auto targets = panel->getArray("targets");
        ASSERT_TRUE(targets && targets->size() > 0) << panel->getValue<std::string>("title");
        for (std::size_t t = 0; t < targets->size(); ++t) {
            const std::string expr =
                targets->getObject(static_cast<unsigned>(t))->getValue<std::string>("expr");
            EXPECT_NE(expr.find("qbi_runner_"), std::string::npos) << expr;
            EXPECT_EQ(unknown_names(expr, names), std::vector<std::string>{}) << expr;
        }
    }
}

}  // namespace
}  // namespace qbi
