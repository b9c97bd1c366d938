// Malformed answers from a test server (discovery.md §2): every read whose Done answer carries
// data that cannot be trusted fails with Response.Malformed and a message naming the field, and
// inserts nothing -- the engine over real TLS, a real SQLite queue.
#include <gtest/gtest.h>

#include "runner/app/session.h"
#include "runner/app/submit.h"
#include "tests/engine_sim_fixture.h"
#include "tests/support/canned_server.h"

namespace qbi::engine::test {
namespace {

std::string ok(const std::string& result) {
    return R"({"RequestId":"4E2901FA-3388-CCCC-80DB-170AD7A54CC7","Success":true,"Result":)" +
           result + "}";
}

TEST_F(EngineSimTest, MalformedAnswersFailTheirReadAndInsertNothing) {
    qbi::test::CannedServer server({
        {"QueryUserInfoByAccount", ok(R"({"AccountName":"jdoe"})")},
        {"ListCollections", ok(R"({"WorksId":"w1"})")},
        {"QuerySharesToUserList", ok(R"([{"WorksId":"w1"},{"WorksId":"w 2"}])")},
        {"QueryShareList", ok(R"([{"ShareToId":"g1","ShareToType":"group"}])")},
        {"QueryWorksByOrganization", ok(R"({"Data":[],"PageNum":1,"PageSize":0,"TotalNum":3})")},
    });
    struct Case {
        const char* job;
        const char* task;
        const char* message;
    };
    const Case cases[] = {
        {"by-account", "offboard-user: {account: jdoe}",
         "QueryUserInfoByAccount answer: Result UserId is missing"},
        {"favourites", "offboard-user: {user: u1, shares: none}",
         "ListCollections answer: Result is not a list"},
        {"shared", "offboard-user: {user: u1, favorites: false}",
         "QuerySharesToUserList answer: Result[1] WorksId is not a valid ID"},
        {"grants", "revoke-shares: {to-type: group, to: g1, works: w1}",
         "QueryShareList answer: Result[0] ShareToType is not a number"},
        {"pages", "revoke-shares: {to-type: group, to: g1, works: all}",
         "QueryWorksByOrganization answer: Result has PageNum 1, PageSize 0, TotalNum 3"},
    };
    std::vector<std::int64_t> jobs_ids;
    for (const Case& c : cases) {
        auto parsed = jobs::parse_job_text(
            std::string("version: 1\njob: ") + c.job + "\ntasks:\n  - " + c.task + "\n", "j.yaml");
        ASSERT_TRUE(parsed) << parsed.errors().front().to_string();
        jobs_ids.push_back(submit(app::to_new_job(parsed.job(), 3)));
    }
    tls_.ca_file = server.ca_file();
    auto ctx = make_client_context(tls_);
    ASSERT_TRUE(ctx);
    auto ep = parse_endpoint(server.endpoint());
    ASSERT_TRUE(ep);
    CallerFactory factory = [&, ep = *ep, context = *ctx]() -> std::unique_ptr<Caller> {
        return std::make_unique<HttpsCaller>(ep, qbi::test::sim_credentials(kKeyId, kSecret),
                                             SignatureScheme::V3, context, tls_,
                                             SystemClock::instance(), nonces_);
    };
    EngineOptions o;
    o.owner = "malformed-test";
    o.workers = 4;
    o.max_qps = 1000;
    o.backoff = BackoffPolicy{2, 20};
    o.follow_up = app::discovery_follow_up();
    o.max_job_tasks = 1000;
    o.endpoint = server.endpoint();
    o.signature = "v3";
    o.access_key_id = mask_access_key_id(kKeyId);
    Engine engine(store(), factory, o, SystemClock::instance(), random_);
    RunReport r = engine.run(stop_);
    EXPECT_EQ(r.reason, StopReason::Finished);
    for (std::size_t i = 0; i < jobs_ids.size(); ++i) {
        SCOPED_TRACE(cases[i].job);
        auto t = tasks(jobs_ids[i]);
        ASSERT_EQ(t.size(), 1u);  // nothing was inserted
        EXPECT_EQ(t[0].state, queue::TaskState::Failed);
        EXPECT_EQ(t[0].attempts, 1);  // permanent: not retried
        EXPECT_EQ(t[0].last_code, "Response.Malformed");
        EXPECT_EQ(t[0].last_message, cases[i].message);
        EXPECT_EQ(t[0].last_request_id, "4E2901FA-3388-CCCC-80DB-170AD7A54CC7");
    }
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
