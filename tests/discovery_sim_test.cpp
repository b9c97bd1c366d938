// Discovery against the real simulator over TLS with a real SQLite queue (discovery.md §2): an
// offboarding by account name removes exactly the leaver's favourites and personal grants, also
// under injected faults; revoke-shares pages through every work of the organisation; a plan
// submitted as it is gives the same world; an unknown account fails naming it (or, with
// missing: ok, succeeds); the job task limit stops a read cleanly and a rerun finishes it.
#include <gtest/gtest.h>

#include <set>

#include "runner/app/plan.h"
#include "runner/app/session.h"
#include "runner/app/submit.h"
#include "runner/sim/world_io.h"
#include "tests/discovery_fixture.h"
#include "tests/engine_sim_fixture.h"

namespace qbi::engine::test {
namespace {

using qbi::test::kOffboardWorld;

class DiscoverySimTest : public EngineSimTest {
protected:
    void start(sim::FaultOptions faults = {}, std::string world = kOffboardWorld) {
        qbi::test::SimFixtureOptions o;
        o.credentials = {qbi::test::sim_credentials(kKeyId, kSecret)};
        o.world_yaml = std::move(world);
        o.faults = faults;
        start_sim(o);
        before_ = sim_world();
    }
    std::int64_t submit_text(const std::string& yaml, std::int64_t max_tasks = 1000000) {
        jobs::JobLimits limits;
        limits.max_tasks = static_cast<std::size_t>(max_tasks);
        auto parsed = jobs::parse_job_text(yaml, "job.yaml", limits);
        if (!parsed) throw std::runtime_error(parsed.errors().front().to_string());
        return submit(app::to_new_job(parsed.job(), 6));
    }
    EngineOptions discovery_options(std::int64_t max_job_tasks = 1000000) {
        EngineOptions o = options();
        o.follow_up = app::discovery_follow_up();
        o.max_job_tasks = max_job_tasks;
        return o;
    }
    // Every read that succeeded has a done attempt row with a RequestId; no call of the job
    // exists twice.
    void expect_reads_audited_and_no_duplicates(std::int64_t job) {
        std::set<std::string> calls;
        std::set<std::int64_t> reads;
        for (const auto& t : tasks(job)) {
            EXPECT_TRUE(calls.insert(t.action + " " + t.params_json + " " + t.context).second)
                << "twice: " << t.action << " " << t.params_json;
            if (jobs::is_read_action(t.action) && t.state == queue::TaskState::Succeeded)
                reads.insert(t.id);
        }
        std::set<std::int64_t> audited;
        for (const auto& a : attempts())
            if (reads.count(a.task_id) && a.record.outcome == Outcome::Done &&
                qbi::test::is_request_id(a.record.request_id))
                audited.insert(a.task_id);
        EXPECT_EQ(audited, reads);
        expect_chain_intact();
    }
    void expect_only_offboarded(const std::string& user) {
        auto [favorites, shares] = qbi::test::offboarded(before_, user);
        const sim::WorldData after = sim_world();
        EXPECT_EQ(qbi::test::favorites_of(after), favorites);
        EXPECT_EQ(qbi::test::shares_of(after), shares);
    }
    sim::WorldData before_;
};

const char* kOffboardJdoe =
    "version: 1\njob: offboard-jdoe\ntasks:\n  - offboard-user: {account: jdoe}\n";

// The leaver's 4 favourites and 3 personal grants go; the grants reaching her through two groups
// and the organisation, the workspace grant, and Bob's and Carol's favourites and grants stay.
TEST_F(DiscoverySimTest, OffboardingByAccountRemovesExactlyTheLeaversItems) {
    start();
    const std::int64_t job = submit_text(kOffboardJdoe);
    RunReport r = run(discovery_options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    // 1 lookup, 1 ListCollections, 1 QuerySharesToUserList, one QueryShareList per work reaching
    // her (w5..w10: personal, groups, organisation), 4 + 3 cancels.
    EXPECT_EQ(c.total(), 3 + 6 + 7);
    expect_only_offboarded("1001");
    expect_reads_audited_and_no_duplicates(job);
}

// The same under 30 % Internal.System.Error and 2 % dropped connections: the same final world,
// no call twice, every read audited with its RequestId.
TEST_F(DiscoverySimTest, FaultsChangeNothingInTheOutcome) {
    sim::FaultOptions f;
    f.fail.push_back(*sim::parse_fail_rule("Internal.System.Error=0.3"));
    f.drop = 0.02;
    start(f);
    const std::int64_t job = submit_text(
        "version: 1\njob: offboard-jdoe\nmax_attempts: 30\ntasks:\n  - offboard-user: {account: "
        "jdoe}\n");
    RunReport r = run(discovery_options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_EQ(c.total(), 16);
    EXPECT_GT(sim().simulator().stats().requests(), 16u);  // faults did strike
    expect_only_offboarded("1001");
    expect_reads_audited_and_no_duplicates(job);
}

// revoke-shares with works: all over 2,500 works (25 pages of 100): exactly the grants to the
// named group disappear; grants of the same works to another group and to users stay.
TEST_F(DiscoverySimTest, RevokeSharesPagesThroughEveryWork) {
    std::string world =
        "version: 1\norganization: {id: org-1}\nimplicit: true\n"
        "users: [{id: u1}]\ngroups: [{id: g-gone, name: Gone}, {id: g-stay, name: Stay}]\n"
        "works:\n";
    for (int i = 0; i < 2500; ++i) world += "  - {id: w" + std::to_string(i) + "}\n";
    world += "shares:\n";
    for (int i = 0; i < 2500; i += 7) {
        const std::string w = "w" + std::to_string(i);
        world += "  - {report: " + w + ", to_type: group, to: g-gone}\n";
        if (i % 2 == 0) world += "  - {report: " + w + ", to_type: group, to: g-stay}\n";
        if (i % 3 == 0) world += "  - {report: " + w + ", to_type: user, to: u1}\n";
    }
    start({}, world);
    const std::int64_t job = submit_text(
        "version: 1\njob: close-gone\ntasks:\n  - revoke-shares: {to-type: group, to: g-gone, "
        "works: all}\n");
    EngineOptions o = discovery_options();
    o.workers = 16;
    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    const int gone = (2500 + 6) / 7;
    EXPECT_EQ(c.total(), 25 + 2500 + gone);  // the pages, one QueryShareList per work, cancels
    qbi::test::ShareSet expected;
    for (const auto& s : qbi::test::shares_of(before_))
        if (std::get<2>(s) != "g-gone") expected.insert(s);
    EXPECT_EQ(qbi::test::shares_of(sim_world()), expected);
    expect_reads_audited_and_no_duplicates(job);
}

// An unknown account fails its lookup with a message naming it; with missing: ok the job
// succeeds with nothing to do. Nothing follows either lookup.
TEST_F(DiscoverySimTest, UnknownAccountFailsNamingItUnlessMissingIsOk) {
    start();
    const std::int64_t strict =
        submit_text("version: 1\njob: ghost\ntasks:\n  - offboard-user: {account: ghost}\n");
    const std::int64_t lenient = submit_text(
        "version: 1\njob: ghost-ok\ntasks:\n  - offboard-user: {account: ghost, missing: ok}\n");
    run(discovery_options());
    auto t = tasks(strict);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].state, queue::TaskState::Failed);
    EXPECT_EQ(t[0].last_code, "User.Not.In.Organization");
    EXPECT_EQ(t[0].last_message,
              "account 'ghost' is not in the Quick BI organisation (User.Not.In.Organization); "
              "check the name, or write missing: ok to accept it");
    auto ok = tasks(lenient);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].state, queue::TaskState::Succeeded);
    EXPECT_EQ(qbi::test::favorites_of(sim_world()), qbi::test::favorites_of(before_));
}

// A read whose follow-up tasks would exceed jobs.max_tasks fails, naming the limit, and inserts
// nothing: with a limit of 6 the lookup adds its 2 reads (3 tasks), then ListCollections (+4)
// and QuerySharesToUserList (+6) both fail. A rerun with the limit raised finishes the job with
// the same result as without it.
TEST_F(DiscoverySimTest, TaskLimitStopsAReadAndARerunFinishes) {
    start();
    const std::int64_t job = submit_text(kOffboardJdoe);
    run(discovery_options(6));
    auto failed = tasks(job);
    std::int64_t limited = 0;
    for (const auto& t : failed)
        if (t.last_code == queue::kCodeTooManyTasks) {
            ++limited;
            EXPECT_NE(t.last_message.find("over the limit of 6 (jobs.max_tasks)"),
                      std::string::npos);
        }
    EXPECT_EQ(limited, 2);
    EXPECT_EQ(counts(job).total(), 3);
    EXPECT_EQ(qbi::test::favorites_of(sim_world()), qbi::test::favorites_of(before_));
    queue::RerunRequest rerun;
    rerun.job_id = job;
    EXPECT_EQ(must(store().rerun(rerun)), 2);
    run(discovery_options());
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_EQ(c.total(), 16);
    expect_only_offboarded("1001");
    expect_reads_audited_and_no_duplicates(job);
}

// plan makes only the reads (the world is untouched), and its output, submitted as it is, leaves
// the same world as the discovery job itself.
TEST_F(DiscoverySimTest, PlanThenSubmitGivesTheSameWorld) {
    start();
    const auto file = dir_.write("offboard.yaml", kOffboardJdoe);
    const auto ak = dir_.write("alibaba-ak", std::string("access_key_id = ") + kKeyId +
                                                 "\naccess_key_secret = " + kSecret + "\n");
    app::Config cfg;
    cfg.endpoint = sim().endpoint();
    cfg.ca_file = sim().ca_file();
    cfg.max_qps = 1000;
    const Env env = env_from_map({});
    CredentialOptions creds;
    creds.credentials_file = ak.string();
    creds.env = env;
    RandomNonceSource nonces;
    std::atomic<bool> stop{false};
    app::PlanContext pc{cfg, env, creds, SystemClock::instance(), nonces, stop, {}};
    auto plans = app::make_plans({file.string()}, pc);
    ASSERT_TRUE(plans) << plans.error().message;
    ASSERT_EQ(plans->size(), 1u);
    const app::Plan& plan = plans->front();
    EXPECT_TRUE(plan.complete());
    EXPECT_EQ(plan.calls.size(), 7u);
    EXPECT_EQ(plan.reads, 9);  // lookup, ListCollections, QuerySharesToUserList, 6 QueryShareList
    EXPECT_EQ(plan.job, "offboard-jdoe-plan");
    EXPECT_NE(plan.yaml.find(
                  "        - \"w1\"  # Revenue (PAGE, owner 1002): favourite of jdoe (1001)\n"),
              std::string::npos)
        << plan.yaml;
    EXPECT_NE(plan.yaml.find("      report: \"w5\"  # Payroll (REPORT, owner Bob): shared to jdoe "
                             "(1001) personally\n"),
              std::string::npos)
        << plan.yaml;
    EXPECT_EQ(qbi::test::favorites_of(sim_world()), qbi::test::favorites_of(before_));
    EXPECT_EQ(qbi::test::shares_of(sim_world()), qbi::test::shares_of(before_));

    const std::int64_t job = submit_text(plan.yaml);
    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    EXPECT_EQ(counts(job).done, 7);
    expect_only_offboarded("1001");
}

}  // namespace
}  // namespace qbi::engine::test
