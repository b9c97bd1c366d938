// `qbi-runner serve` as a real process under a fake systemd: NOTIFY_SOCKET listener,
// WATCHDOG_USEC, STATE_DIRECTORY; the inbox accept/reject flow; SIGTERM with calls in flight
// (finished within the grace period, or recorded as interrupted after it); the runner lock.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

#include "runner/core/clock.h"
#include "runner/queue/store.h"
#include "runner/sim/faults.h"
#include "tests/support/notify_listener.h"
#include "tests/support/process.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

namespace fs = std::filesystem;

const char* kWorld =
    "implicit: true\n"
    "favorites:\n"
    "  - {user: u1, work: w1}\n  - {user: u1, work: w2}\n  - {user: u1, work: w3}\n"
    "  - {user: u1, work: w4}\n";
const char* kJob =
    "version: 1\njob: serve-job\ntasks:\n"
    "  - cancel-collection: {user: u1, works: [w1, w2, w3, w4]}\n";

class ServeTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir.write("ak", "access_key_id = AKIDservetest1\naccess_key_secret = serve-secret-1\n");
        fs::create_directories(dir / "state/inbox");
    }
    test::SimFixtureOptions sim_options(std::int64_t latency_ms) {
        test::SimFixtureOptions o;
        o.credentials = {test::sim_credentials("AKIDservetest1", "serve-secret-1")};
        o.world_yaml = kWorld;
        o.faults.latency_ms = latency_ms;
        return o;
    }
    // Delivers a job file as the README asks: written under a hidden name, renamed into place
    // (serve takes it at its start scan, or at once from inotify's IN_MOVED_TO).
    void drop(const std::string& name, const std::string& text) {
        auto p = dir.write("state/inbox/." + name, text);
        fs::rename(p, dir / "state/inbox" / name);
    }
    std::unique_ptr<test::Process> serve(const test::SimFixture& sim, const std::string& grace) {
        auto cfg = dir.write("runner.ini", "[serve]\ngrace = " + grace + "\n[run]\nworkers = 4\n");
        return std::make_unique<test::Process>(
            std::vector<std::string>{QBI_RUNNER_BIN, "--config", cfg.string(), "--db", db(),
                                     "--endpoint", sim.endpoint(), "--ca-file", sim.ca_file(),
                                     "--credentials-file", (dir / "ak").string(), "serve"},
            std::map<std::string, std::string>{{"NOTIFY_SOCKET", listener.path()},
                                               {"WATCHDOG_USEC", "1000000"},
                                               {"STATE_DIRECTORY", (dir / "state").string()},
                                               {"HOME", dir.path().string()}},
            dir.path().string());
    }
    // serve with this configuration file text and no --db (the file names the database).
    std::unique_ptr<test::Process> serve_with(const test::SimFixture& sim, const std::string& ini) {
        auto cfg = dir.write("runner.ini", ini);
        return std::make_unique<test::Process>(
            std::vector<std::string>{QBI_RUNNER_BIN, "--config", cfg.string(), "--endpoint",
                                     sim.endpoint(), "--ca-file", sim.ca_file(),
                                     "--credentials-file", (dir / "ak").string(), "serve"},
            std::map<std::string, std::string>{{"NOTIFY_SOCKET", listener.path()},
                                               {"STATE_DIRECTORY", (dir / "state").string()},
                                               {"HOME", dir.path().string()}},
            dir.path().string());
    }
    static int count(const std::string& text, const std::string& what) {
        int n = 0;
        for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
        return n;
    }
    std::string db() const { return (dir / "state/queue.db").string(); }
    // Until the simulator has seen `n` requests, reading the notify socket meanwhile as systemd
    // does: unread, its queue (10 datagrams) fills with WATCHDOG=1 and the runner's sends block.
    void wait_for_requests(test::SimFixture& sim, std::uint64_t n) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (sim.simulator().stats().requests() < n && std::chrono::steady_clock::now() < give_up)
            listener.receive_until("(nothing: just read for a while)", 20);
        ASSERT_GE(sim.simulator().stats().requests(), n);
    }
    static std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t)
            .count();
    }
    static bool contains(const std::vector<std::string>& v, const std::string& s) {
        for (const auto& m : v)
            if (m.find(s) != std::string::npos) return true;
        return false;
    }
    test::TempDir dir;
    test::NotifyListener listener{(dir / "notify").string()};
};

// READY, WATCHDOG and STATUS arrive; a good file is accepted and worked, a bad one rejected with
// its reasons beside it; SIGTERM when idle: STOPPING=1 and exit 0.
TEST_F(ServeTest, InboxWatchdogStatusAndCleanStop) {
    test::SimFixture sim(sim_options(0));
    drop("good.yaml", kJob);
    drop("bad.yaml", "version: 1\njob: bad\ntasks: []\n");
    auto p = serve(sim, "5s");
    auto seen = listener.receive_until("READY=1", 10000);
    ASSERT_TRUE(contains(seen, "READY=1")) << p->err();
    // No core dump can hold the secret: the limit is 0, soft and hard.
    const std::string limits = test::read_file("/proc/" + std::to_string(p->pid()) + "/limits");
    EXPECT_TRUE(std::regex_search(limits, std::regex("Max core file size +0 +0 +bytes"))) << limits;
    seen = listener.receive_until("done 4", 15000);
    EXPECT_TRUE(contains(seen, "WATCHDOG=1"));
    EXPECT_TRUE(contains(seen, "STATUS=queued 0, running 0, done 4")) << p->err();
    EXPECT_TRUE(fs::exists(dir / "state/inbox/accepted/good.yaml"));
    EXPECT_TRUE(fs::exists(dir / "state/inbox/rejected/bad.yaml"));
    std::string why = test::read_file(dir / "state/inbox/rejected/bad.yaml.error");
    EXPECT_NE(why.find("tasks: the list is empty; a job needs at least one task"),
              std::string::npos)
        << why;
    EXPECT_FALSE(sim.world().has_favorite("u1", "w1"));
    p->signal(SIGTERM);
    auto r = p->wait(15000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(listener.receive_until("STOPPING=1", 3000), "STOPPING=1"));
    EXPECT_EQ(r.err.find("serve-secret-1"), std::string::npos);
    // The end of the run logs the audit head, the anchor for `audit verify --anchor`.
    auto store = queue::Store::open(db(), SystemClock::instance());
    ASSERT_TRUE(store);
    auto head = store->audit_head();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->rows, 4);
    EXPECT_NE(r.err.find("audit head: 4 " + head->hash + "\n"), std::string::npos) << r.err;
    EXPECT_TRUE(store->verify_audit_chain(*head)->ok);
}

// Calls take 1.5 s; SIGTERM arrives while they are in flight and the grace period (5 s) lets
// them finish: every task succeeds, nothing is interrupted.
TEST_F(ServeTest, SigtermLetsInFlightCallsFinishWithinGrace) {
    test::SimFixture sim(sim_options(1500));
    drop("good.yaml", kJob);
    auto p = serve(sim, "5s");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    // The scan, then calls start; read the notify socket meanwhile (see below).
    listener.receive_until("(nothing: just read for 3 s)", 3000);
    p->signal(SIGTERM);
    auto r = p->wait(20000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto store = queue::Store::open(db(), SystemClock::instance());
    ASSERT_TRUE(store);
    auto totals = store->totals();
    EXPECT_EQ(totals->running, 0);
    EXPECT_EQ(totals->done, 4);
}

// Calls take 8 s, the grace period is 1 s: at its end the calls are cut (their sockets shut
// down), recorded as interrupted (outcome unknown) and their tasks queued again; serve exits 0
// within grace + 1 s of the SIGTERM, and nothing is left running.
TEST_F(ServeTest, SigtermRecordsUnfinishedCallsAsInterrupted) {
    test::SimFixture sim(sim_options(8000));
    drop("good.yaml", kJob);
    auto p = serve(sim, "1s");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    wait_for_requests(sim, 4);
    const auto stopped = std::chrono::steady_clock::now();
    p->signal(SIGTERM);
    auto r = p->wait(30000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LE(ms_since(stopped), 2000);
    EXPECT_NE(r.err.find("recorded as interrupted"), std::string::npos) << r.err;
    auto store = queue::Store::open(db(), SystemClock::instance());
    ASSERT_TRUE(store);
    EXPECT_EQ(store->totals()->running, 0);
    EXPECT_EQ(store->totals()->queued, 4);
    int interrupted = 0;
    store->for_each_attempt({}, [&](const queue::AttemptRow& row) {
        interrupted += row.record.outcome == Outcome::Interrupted;
        return true;
    });
    EXPECT_EQ(interrupted, 4);
    store->for_each_attempt({}, [&](const queue::AttemptRow& row) {
        EXPECT_EQ(row.record.message,
                  "outcome unknown: the call was cut off when the runner stopped (grace period "
                  "over); it may have taken effect");
        return true;
    });
    EXPECT_TRUE(store->verify_audit_chain()->ok);
}

// Mixed: calls answer after 1.5 s, but the slow ones (about half, seeded) only after 30 s; the
// grace is 2 s. The answers that arrive within the grace are recorded as answered, with their
// RequestIds; the slow calls are cut at the grace end and recorded as interrupted; serve exits
// within grace + 1 s of the SIGTERM.
TEST_F(ServeTest, SigtermKeepsTheAnswersOfTheGraceAndCutsTheRest) {
    test::SimFixtureOptions o = sim_options(1500);
    o.faults.slow_success = 0.5;
    o.faults.slow_delay_ms = 30000;
    test::SimFixture sim(o);
    drop("good.yaml", kJob);
    auto p = serve(sim, "2s");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    wait_for_requests(sim, 4);
    const auto stopped = std::chrono::steady_clock::now();
    p->signal(SIGTERM);
    auto r = p->wait(30000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LE(ms_since(stopped), 3000);
    auto store = queue::Store::open(db(), SystemClock::instance());
    ASSERT_TRUE(store);
    int done = 0, interrupted = 0;
    store->for_each_attempt({}, [&](const queue::AttemptRow& row) {
        if (row.record.outcome == Outcome::Done) {
            ++done;
            EXPECT_FALSE(row.record.request_id.empty());
        } else {
            ++interrupted;
            EXPECT_EQ(row.record.outcome, Outcome::Interrupted);
            EXPECT_EQ(row.record.request_id, "");
        }
        return true;
    });
    EXPECT_GE(done, 1);
    EXPECT_GE(interrupted, 1);
    EXPECT_EQ(done + interrupted, 4);
    EXPECT_EQ(store->totals()->done, done);
    EXPECT_EQ(store->totals()->queued, interrupted);
    EXPECT_EQ(store->totals()->running, 0);
}

// SIGHUP re-reads the configuration: RELOADING=1, then READY=1 again; a broken file is refused
// and the old configuration kept, and serve goes on.
TEST_F(ServeTest, SighupReloadsConfiguration) {
    test::SimFixture sim(sim_options(0));
    auto p = serve(sim, "1s");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    p->signal(SIGHUP);
    auto seen = listener.receive_until("READY=1", 10000);
    EXPECT_TRUE(contains(seen, "RELOADING=1"));
    EXPECT_TRUE(contains(seen, "READY=1"));
    dir.write("runner.ini", "[serve]\ngrace = sometime\n");
    p->signal(SIGHUP);
    EXPECT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1"));
    drop("good.yaml", kJob);  // still working after the refused reload
    EXPECT_TRUE(contains(listener.receive_until("done 4", 15000), "done 4")) << p->err();
    p->signal(SIGTERM);
    auto r = p->wait(15000);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find("configuration reloaded"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("reload refused, keeping the old configuration: " +
                         (dir / "runner.ini").string() + ":2: serve.grace: expected a duration"),
              std::string::npos)
        << r.err;
}

// Refused credentials: serve does not exit, it halts and probes; the halt is logged once with
// its code and what to do, and each failed probe at most once per probe interval (1 s here).
TEST_F(ServeTest, HaltOnRefusedCredentialsIsLogged) {
    test::SimFixture sim(sim_options(0));
    dir.write("ak", "access_key_id = AKIDservetest1\naccess_key_secret = not-the-secret\n");
    drop("good.yaml", kJob);
    auto p = serve_with(sim, "[queue]\ndatabase = " + db() +
                                 "\n[serve]\nhalt_probe = 1s\ngrace = 1s\n[run]\nworkers = 4\n");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    const auto start = std::chrono::steady_clock::now();
    listener.receive_until("(nothing: just read for 3.5 s)", 3500);
    p->signal(SIGTERM);
    auto r = p->wait(15000);
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::regex halt(
        "qbi-runner: error: dispatch halted: Quick BI refused the credentials or the request "
        "signature \\(SignatureDoesNotMatch: [^\n]*, RequestId [^\n)]+\\); dispatch is paused, no "
        "task was failed for it. Fix the cause, then restart the service \\(systemctl restart "
        "qbi-runner\\); until then a probe call goes out every 1s and dispatch resumes once one "
        "succeeds\n");
    EXPECT_TRUE(std::regex_search(r.err, halt)) << r.err;
    EXPECT_EQ(count(r.err, "dispatch halted: "), 1) << r.err;
    const std::regex probe(
        "qbi-runner: error: probe call failed: Quick BI refused the credentials or the request "
        "signature \\(SignatureDoesNotMatch: [^\n]*, RequestId [^\n)]+\\); next probe in 1s\n");
    EXPECT_TRUE(std::regex_search(r.err, probe)) << r.err;
    const int probes = count(r.err, "probe call failed: ");
    EXPECT_GE(probes, 1) << r.err;
    EXPECT_LE(probes, secs + 1) << r.err;
    EXPECT_EQ(r.err.find("not-the-secret"), std::string::npos);
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
}

// SIGHUP applies what it can (log.level: debug lines appear at once) and refuses by name what
// needs a restart (queue.database), keeping the queue it has open.
TEST_F(ServeTest, SighupAppliesLogLevelAndRefusesANewDatabase) {
    test::SimFixture sim(sim_options(0));
    auto p = serve_with(sim, "[queue]\ndatabase = " + db() + "\n[log]\nlevel = info\n");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    const std::string other = (dir / "other.db").string();
    dir.write("runner.ini", "[queue]\ndatabase = " + other + "\n[log]\nlevel = debug\n");
    p->signal(SIGHUP);
    auto seen = listener.receive_until("READY=1", 10000);
    ASSERT_TRUE(contains(seen, "RELOADING=1")) << p->err();
    drop("good.yaml", kJob);
    // The next inbox scan takes it (every 2 s); watch the queue rather than wait for STATUS=.
    auto store = queue::Store::open(db(), SystemClock::instance());
    ASSERT_TRUE(store);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (store->totals()->done < 4 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(store->totals()->done, 4) << p->err();
    p->signal(SIGTERM);
    auto r = p->wait(15000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("qbi-runner: warning: queue.database changed: restart the service to "
                         "use it; keeping " +
                         db() + "\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("qbi-runner: debug: api: CancelCollection "), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(other));
}

TEST_F(ServeTest, SecondRunnerIsRefusedWith75) {
    test::SimFixture sim(sim_options(0));
    auto p = serve(sim, "1s");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    auto r =
        test::run_process({QBI_RUNNER_BIN, "--db", db(), "--endpoint", sim.endpoint(), "--ca-file",
                           sim.ca_file(), "--credentials-file", (dir / "ak").string(), "run"},
                          {{"HOME", dir.path().string()}}, dir.path().string());
    EXPECT_EQ(r.exit_code, 75);
    EXPECT_NE(r.err.find("another runner (pid " + std::to_string(p->pid()) + ")"),
              std::string::npos)
        << r.err;
    p->signal(SIGTERM);
    EXPECT_EQ(p->wait(15000).exit_code, 0);
}

// Without credentials serve stops before READY with 78 (which the unit does not restart).
TEST_F(ServeTest, MissingCredentialsExit78BeforeReady) {
    auto r = test::run_process(
        {QBI_RUNNER_BIN, "--db", db(), "--endpoint", "https://127.0.0.1:9", "serve"},
        {{"NOTIFY_SOCKET", listener.path()},
         {"STATE_DIRECTORY", (dir / "state").string()},
         {"HOME", dir.path().string()}},
        dir.path().string());
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.err.find("no Alibaba Cloud credentials found"), std::string::npos) << r.err;
    EXPECT_EQ(listener.receive(200), "");
}

// A small inbox file that fans out to 300,000 tasks is submitted off the writer thread and in
// bounded transactions: the watchdog, sent from the writer loop every 0.5 s here, never pauses
// for more than 2 s while it is enqueued, and the file is accepted whole.
TEST_F(ServeTest, HugeInboxFileDoesNotStallTheWatchdog) {
    test::SimFixture sim(sim_options(0));
    auto p = serve(sim, "1s");
    ASSERT_TRUE(contains(listener.receive_until("READY=1", 10000), "READY=1")) << p->err();
    std::string wide =
        "version: 1\njob: wide\nnot_before: 2099-01-01T00:00:00Z\ntasks:\n"
        "  - cancel-share:\n      to-type: user\n      report: [";
    for (int r = 0; r < 600; ++r) wide += (r ? ", r" : "r") + std::to_string(r);
    wide += "]\n      to: [";
    for (int u = 0; u < 500; ++u) wide += (u ? ", u" : "u") + std::to_string(u);
    wide += "]\n";
    drop("wide.yaml", wide);
    using Steady = std::chrono::steady_clock;
    auto last = Steady::now(), deadline = last + std::chrono::seconds(90);
    std::int64_t worst_ms = 0;
    while (!fs::exists(dir / "state/inbox/accepted/wide.yaml") && Steady::now() < deadline) {
        std::string m = listener.receive(100);
        if (m.find("WATCHDOG=1") == std::string::npos) continue;
        auto now = Steady::now();
        worst_ms = std::max<std::int64_t>(
            worst_ms, std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count());
        last = now;
    }
    ASSERT_TRUE(fs::exists(dir / "state/inbox/accepted/wide.yaml")) << p->err();
    std::printf("longest watchdog gap while the file was submitted: %lld ms\n",
                static_cast<long long>(worst_ms));
    EXPECT_LE(worst_ms, 2000) << p->err();
    p->signal(SIGTERM);
    auto r = p->wait(15000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("inbox: " + (dir / "state/inbox/wide.yaml").string() +
                         ": submitted as job 1 (wide, 300000 tasks)"),
              std::string::npos)
        << r.err;
}

}  // namespace
}  // namespace qbi
