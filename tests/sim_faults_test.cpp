// Fault injection, over real TLS with the project's client: error codes by probability,
// the per-action QPS limit, latency with jitter, dropped connections, slow successes and a
// halt after N requests; and that every decision is reproducible from the seed.
#include <gtest/gtest.h>

#include <chrono>

#include "runner/sim/faults.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

constexpr const char* kWorld =
    "implicit: true\nfavorites:\n  - {user: u1, works: [w1, w2, w3, w4]}\n";

SimFixtureOptions with_faults(sim::FaultOptions f, std::uint64_t seed = 11) {
    SimFixtureOptions o;
    o.world_yaml = kWorld;
    o.faults = std::move(f);
    o.seed = seed;
    return o;
}

// `n` sequential ListCollections calls: "code/status/RequestId" of each.
std::vector<std::string> run(SimFixture& sim, int n) {
    SimClient client(sim);
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        ApiResult r = client.call("ListCollections", {{"UserId", "u1"}});
        out.push_back((r.code.empty() ? "OK" : r.code) + "/" + std::to_string(r.http_status) + "/" +
                      r.request_id);
    }
    return out;
}

sim::FaultOptions fail_rules() {
    sim::FaultOptions f;
    f.fail = {{"Internal.System.Error", 0, 0.3}, {"ServiceUnavailable", 0, 0.1}};
    return f;
}

TEST(SimFaults, FailCodesFollowTheSeed) {
    // Two simulators with the same seed answer the same sequence, RequestIds included.
    SimFixture a(with_faults(fail_rules(), 11)), b(with_faults(fail_rules(), 11));
    SimFixture c(with_faults(fail_rules(), 12));
    const auto seq_a = run(a, 60), seq_b = run(b, 60), seq_c = run(c, 60);
    EXPECT_EQ(seq_a, seq_b);
    EXPECT_NE(seq_a, seq_c);
    int internal = 0, unavailable = 0;
    for (const auto& s : seq_a) {
        if (s.rfind("Internal.System.Error/400/", 0) == 0) ++internal;
        if (s.rfind("ServiceUnavailable/503/", 0) == 0) ++unavailable;
    }
    // About 30 % and 7 % of 60: wide bounds, the exact sequence is what the seed fixes.
    EXPECT_GE(internal, 8);
    EXPECT_LE(internal, 30);
    EXPECT_GE(unavailable, 1);
    EXPECT_LE(unavailable, 15);
    EXPECT_NE(a.stats_json().find(R"("faults":{"halt":0,"throttle":0,"drop":0,"fail":)" +
                                  std::to_string(internal + unavailable) + ","),
              std::string::npos);
}

TEST(SimFaults, InjectedCodeWithStatusAndNoChange) {
    sim::FaultOptions f;
    f.fail = {{"Foo.Bar", 429, 1.0}};
    SimFixture sim(with_faults(f));
    SimClient client(sim);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, "Foo.Bar");
    EXPECT_EQ(r.http_status, 429);
    EXPECT_EQ(r.message, "The request failed: Foo.Bar.");
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
    // A documented code gets its documented message, filled with the work ID.
    sim::FaultOptions g;
    g.fail = {{"Report.NotExist.Error", 0, 1.0}};
    SimFixture sim2(with_faults(g));
    SimClient client2(sim2);
    r = client2.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.message, "This work does not exist. It may have been deleted. Work ID is w1.");
}

TEST(SimFaults, QpsLimitPerActionAnswersThrottling) {
    // Limit 3/s on a manual clock: three pass, the fourth is throttled; a third of a second
    // later one more token is there. Another action has its own bucket.
    ManualClock clock;
    sim::FaultOptions f;
    f.qps_limit = 3;
    SimFixtureOptions o = with_faults(f);
    o.clock = &clock;
    SimFixture sim(o);
    SimClient client(sim, SignatureScheme::V3, sim_credentials(), &clock);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(client.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
    ApiResult r = client.call("ListCollections", {{"UserId", "u1"}});
    EXPECT_EQ(r.code + " " + std::to_string(r.http_status), "Throttling.User 400");
    EXPECT_EQ(r.message, "Request was denied due to user flow control.");
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(client.call("QueryUserInfoByUserId", {{"UserId", "u1"}}).outcome, Outcome::Done);
    clock.advance_ms(334);
    EXPECT_EQ(client.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
    EXPECT_EQ(client.call("ListCollections", {{"UserId", "u1"}}).code, "Throttling.User");
}

TEST(SimFaults, LatencyWithJitterIsSeededAndVirtualOnAManualClock) {
    // 50 +/- 10 ms: each answer advances the shared manual clock by its delay, which the
    // client measures as its latency.
    auto latencies = [](std::uint64_t seed) {
        ManualClock clock;
        sim::FaultOptions f;
        f.latency_ms = 50;
        f.jitter_ms = 10;
        SimFixtureOptions o = with_faults(f, seed);
        o.clock = &clock;
        o.virtual_delays = true;
        SimFixture sim(o);
        SimClient client(sim, SignatureScheme::V3, sim_credentials(), &clock);
        std::vector<std::int64_t> out;
        for (int i = 0; i < 20; ++i)
            out.push_back(client.call("ListCollections", {{"UserId", "u1"}}).latency_ms);
        return out;
    };
    const auto a = latencies(3);
    EXPECT_EQ(a, latencies(3));
    EXPECT_NE(a, latencies(4));
    std::int64_t lo = 1000, hi = 0;
    for (auto ms : a) {
        lo = std::min(lo, ms);
        hi = std::max(hi, ms);
    }
    EXPECT_GE(lo, 40);
    EXPECT_LE(hi, 60);
    EXPECT_LT(lo, hi);  // jitter varies
}

TEST(SimFaults, DroppedConnectionsAnswerNothingAndChangeNothing) {
    sim::FaultOptions f;
    f.drop = 1.0;
    SimFixture sim(with_faults(f));
    SimClient client(sim);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.http_status, 0);
    EXPECT_TRUE(r.code == kCodeConnection || r.code == kCodeTruncated)
        << r.code << ": " << r.message;
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
    EXPECT_EQ(sim.simulator().stats().count("CancelCollection", "Dropped"), 1u);
}

TEST(SimFaults, DropDecisionsFollowTheSeedAndTheClientReconnects) {
    auto pattern = [](std::uint64_t seed, int* connections) {
        sim::FaultOptions f;
        f.drop = 0.4;
        SimFixture sim(with_faults(f, seed));
        SimClient client(sim);
        std::string out;
        for (int i = 0; i < 25; ++i)
            out += client.call("ListCollections", {{"UserId", "u1"}}).outcome == Outcome::Done
                       ? '.'
                       : 'x';
        if (connections) *connections = client.transport().connections_opened();
        return out;
    };
    int connections = 0;
    const std::string a = pattern(21, &connections);
    EXPECT_EQ(a, pattern(21, nullptr));
    EXPECT_NE(a, pattern(22, nullptr));
    const auto drops = std::count(a.begin(), a.end(), 'x');
    EXPECT_GE(drops, 3);
    EXPECT_LE(drops, 20);
    // Each drop costs the connection: a new one is opened after it (unless it was the last).
    EXPECT_GE(connections, drops);
}

TEST(SimFaults, SlowSuccessAppliesTheChangeThenAnswersAfterTheClientsTimeout) {
    sim::FaultOptions f;
    f.slow_success = 1.0;
    f.slow_delay_ms = 30000;
    SimFixture sim(with_faults(f));
    TlsOptions tls;
    tls.read_timeout_ms = 300;
    SimClient client(sim, SignatureScheme::V3, sim_credentials(), nullptr, tls);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, kCodeTimeout) << r.message;
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    // The change happened although the client never saw the answer; the retry learns that
    // the goal already holds (slow applies to successes only, so this answer is prompt).
    EXPECT_FALSE(sim.world().has_favorite("u1", "w1"));
    r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, "Favorite.NotCancel.Permission");
    EXPECT_EQ(r.outcome, Outcome::AlreadyAbsent);
    // Stopping does not wait out the 30 s delay still pending on the server.
    const auto start = std::chrono::steady_clock::now();
    sim.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(sim.simulator().stats().count("CancelCollection", "OK"), 1u);
}

TEST(SimFaults, HaltAfterNAnswersTheCodeFromThenOn) {
    sim::FaultOptions f;
    f.halt_after = 3;
    f.halt_code = "InvalidAccessKeyId.NotFound";
    SimFixture sim(with_faults(f));
    SimClient client(sim);
    EXPECT_EQ(client.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
    EXPECT_EQ(client.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
    for (int i = 0; i < 3; ++i) {
        ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
        EXPECT_EQ(r.code + " " + std::to_string(r.http_status), "InvalidAccessKeyId.NotFound 404");
        EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    }
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
}

TEST(SimFaultPlan, StreamsAreIndependentAndRequestIdsAreUuids) {
    // Adding --drop and --latency does not move the --fail decisions of any request.
    sim::FaultOptions only_fail = fail_rules();
    sim::FaultOptions more = fail_rules();
    more.drop = 0.5;
    more.latency_ms = 10;
    more.jitter_ms = 5;
    sim::FaultPlan a(only_fail, 99), b(more, 99);
    for (std::uint64_t seq = 1; seq <= 2000; ++seq) {
        const sim::FailRule* fa = a.fail(seq);
        const sim::FailRule* fb = b.fail(seq);
        ASSERT_EQ(fa ? fa->code : "", fb ? fb->code : "") << seq;
        ASSERT_EQ(a.request_id(seq), b.request_id(seq));
    }
    EXPECT_TRUE(is_request_id(a.request_id(1))) << a.request_id(1);
    EXPECT_FALSE(is_request_id("9e24e787-2531-5831-b6e2-0cd57b615d1c"));  // lower case
    EXPECT_NE(a.request_id(1), a.request_id(2));
    EXPECT_NE(a.request_id(1), sim::FaultPlan(only_fail, 100).request_id(1));
}

TEST(SimFaultPlan, FlagValueErrors) {
    EXPECT_EQ(sim::parse_fail_rule("Internal.System.Error").error().message,
              "--fail: expected CODE=PROBABILITY or CODE@STATUS=PROBABILITY, got "
              "'Internal.System.Error'");
    EXPECT_EQ(sim::parse_fail_rule("X=1.5").error().message,
              "--fail X: expected a probability from 0 to 1, got '1.5'");
    EXPECT_EQ(sim::parse_fail_rule("X@99=0.5").error().message,
              "--fail: HTTP status must be 100-599, got '99'");
    EXPECT_EQ(sim::parse_fail_rule("a b=0.5").error().message,
              "--fail: 'a b' is not an error code");
    auto rule = sim::parse_fail_rule("Throttling.Api@429=0.25");
    ASSERT_TRUE(rule.ok());
    EXPECT_EQ(rule->code, "Throttling.Api");
    EXPECT_EQ(rule->http_status, 429);
    EXPECT_DOUBLE_EQ(rule->probability, 0.25);
    EXPECT_EQ(sim::parse_latency("50:x").error().message,
              "--latency: expected MS or MS:JITTER (milliseconds), got '50:x'");
    EXPECT_EQ(sim::parse_latency("50:10")->second, 10);
}

TEST(SimFaultPlan, QpsLimiterAdmitsExactlyTheRate) {
    // A client sending exactly 50/s, evenly, is never refused over 10 simulated seconds.
    sim::QpsLimiter limiter(50);
    std::int64_t now = 0;
    for (int i = 0; i < 500; ++i, now += 20000000) ASSERT_TRUE(limiter.admit("A", now)) << i;
    // A burst beyond the bucket is refused.
    sim::QpsLimiter burst(5);
    int admitted = 0;
    for (int i = 0; i < 10; ++i) admitted += burst.admit("A", 0) ? 1 : 0;
    EXPECT_EQ(admitted, 5);
}

}  // namespace
}  // namespace qbi::test
