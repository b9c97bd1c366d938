// QueryWorksByOrganization (discovery.md §5): paging over the organisation's works in WorksId
// order, the filters, the parameter checks, and the faults, in process (World, Simulator) and
// over HTTPS with the project's client.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "runner/sim/errors.h"
#include "runner/sim/world.h"
#include "runner/sim/world_io.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

using sim::BizResult;
using sim::World;

constexpr const char* kAction = "QueryWorksByOrganization";

// Nine works of org-1 with every type, status and embedding flag, a work in another
// organisation's workspace (x1), and owners and folders for the full listing.
constexpr const char* kWorld = R"(
organization: {id: org-1, name: Example Corp}
workspaces:
  - {id: ws1, name: Finance}
  - {id: wsx, name: Elsewhere, organization: org-2}
users:
  - {id: u1, account: alice, nick: Alice}
works:
  - {id: a1, type: PAGE, status: published, auth3rd: 1, workspace: ws1, owner: u1}
  - {id: a2, type: REPORT, status: unpublished}
  - {id: a3, type: DATAPRODUCT, status: modified, auth3rd: 1}
  - {id: a4, type: dashboardOfflineQuery, status: offline}
  - {id: a5, type: PAGE, status: unpublished, auth3rd: 1}
  - {id: a6, type: REPORT, status: published}
  - {id: a7, type: PAGE, status: published}
  - {id: a8, type: PAGE, status: offline, auth3rd: 1}
  - {id: x1, type: PAGE, workspace: wsx}
  - id: a0
    name: Revenue
    type: REPORT
    workspace: ws1
    owner: u1
    status: modified
    security_level: 12
    description: Monthly revenue
    created: 2024-03-01T08:00:00Z
    modified: 2024-04-01T08:00:00Z
    directory: {id: d2, name: Q1, path_id: d1/d2, path_name: Finance/Q1}
)";

sim::WorldData load(const std::string& text = kWorld) {
    auto f = sim::parse_world(text, "world.yaml");
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    return f.ok() ? f->data : sim::WorldData{};
}

// The WorksIds of an answer's Data, in order.
std::vector<std::string> ids(const BizResult& r) {
    std::vector<std::string> out;
    if (const json::Value* data = r.result.find("Data"))
        for (const auto& w : data->items()) out.push_back(w.find("WorksId")->as_string());
    return out;
}

// "PageNum/PageSize/TotalNum/TotalPages" of an answer.
std::string totals(const BizResult& r) {
    std::string out;
    for (const char* k : {"PageNum", "PageSize", "TotalNum", "TotalPages"})
        out += (out.empty() ? "" : "/") + std::to_string(r.result.find(k)->as_int());
    return out;
}

// "Code: Message" as the simulator answers it.
std::string refusal(const BizResult& r) {
    return r.ok() ? "(ok)" : r.code + ": " + sim::format_message(r.code, r.arg);
}

TEST(SimWorks, PagesOver2500WorksListEveryWorkOnceInWorksIdOrder) {
    // A generated organisation of 2,500 works read in 25 pages of 100: the totals are exact on
    // every page, each work appears exactly once, the order is the WorksId order, and asking
    // for a page again answers it identically. Page 26 is empty with the same totals.
    const sim::WorldData d = sim::generate_world(sim::GenerateSpec{30, 2500, 0, 0, -1, -1}, 9);
    World w(d);
    std::vector<std::string> expected;
    for (const auto& work : d.works) expected.push_back(work.id);
    std::sort(expected.begin(), expected.end());

    std::vector<std::string> seen;
    for (int page = 1; page <= 25; ++page) {
        const Params p = {{"PageNum", std::to_string(page)}, {"PageSize", "100"}};
        BizResult r = w.call(kAction, p);
        ASSERT_TRUE(r.ok()) << r.code;
        EXPECT_EQ(totals(r), std::to_string(page) + "/100/2500/25");
        const auto page_ids = ids(r);
        ASSERT_EQ(page_ids.size(), 100u) << page;
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        EXPECT_EQ(w.call(kAction, p).result.to_json(), r.result.to_json()) << page;
    }
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 2500u);

    BizResult past = w.call(kAction, {{"PageNum", "26"}, {"PageSize", "100"}});
    EXPECT_EQ(past.result.to_json(),
              R"({"Data":[],"PageNum":26,"PageSize":100,"TotalNum":2500,"TotalPages":25})");
    // 2,500 in pages of 7: 358 pages, the last holding the one remaining work.
    BizResult last = w.call(kAction, {{"PageNum", "358"}, {"PageSize", "7"}});
    EXPECT_EQ(totals(last), "358/7/2500/358");
    EXPECT_EQ(ids(last), std::vector<std::string>{expected.back()});
}

TEST(SimWorks, DefaultsAreTheFirstPageOfTen) {
    // No parameter at all, then every parameter present but empty: both mean the defaults.
    World w(sim::generate_world(sim::GenerateSpec{5, 35, 0, 0, -1, -1}, 3));
    BizResult r = w.call(kAction, {});
    ASSERT_TRUE(r.ok()) << r.code;
    EXPECT_EQ(totals(r), "1/10/35/4");
    EXPECT_EQ(ids(r).size(), 10u);
    BizResult empty = w.call(kAction, {{"PageNum", ""},
                                       {"PageSize", ""},
                                       {"WorksType", ""},
                                       {"Status", ""},
                                       {"ThirdPartAuthFlag", ""}});
    EXPECT_EQ(empty.result.to_json(), r.result.to_json());
}

TEST(SimWorks, OnlyTheOrganisationsWorksAreListed) {
    // x1 lives in another organisation's workspace: not listed, not counted.
    World w(load());
    BizResult r = w.call(kAction, {{"PageSize", "100"}});
    EXPECT_EQ(ids(r),
              (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}));
    EXPECT_EQ(totals(r), "1/100/9/1");
}

TEST(SimWorks, EachFilterAndTheirCombination) {
    // The world above, filtered by each parameter and by all three at once; totals count the
    // matches only, and a type no work has answers an empty first page with zero pages.
    World w(load());
    auto list = [&](Params p) {
        p["PageSize"] = "100";
        BizResult r = w.call(kAction, p);
        EXPECT_TRUE(r.ok()) << r.code;
        std::string out;
        for (const auto& id : ids(r)) out += (out.empty() ? "" : ",") + id;
        return out + " (" + std::to_string(r.result.find("TotalNum")->as_int()) + ")";
    };
    EXPECT_EQ(list({{"WorksType", "PAGE"}}), "a1,a5,a7,a8 (4)");
    EXPECT_EQ(list({{"WorksType", "REPORT"}}), "a0,a2,a6 (3)");
    EXPECT_EQ(list({{"WorksType", "DATAPRODUCT"}}), "a3 (1)");
    EXPECT_EQ(list({{"WorksType", "dashboardOfflineQuery"}}), "a4 (1)");
    EXPECT_EQ(list({{"WorksType", "page"}}), " (0)");  // values are case-sensitive
    EXPECT_EQ(list({{"Status", "0"}}), "a2,a5 (2)");
    EXPECT_EQ(list({{"Status", "1"}}), "a1,a6,a7 (3)");
    EXPECT_EQ(list({{"Status", "2"}}), "a0,a3 (2)");
    EXPECT_EQ(list({{"Status", "3"}}), "a4,a8 (2)");
    EXPECT_EQ(list({{"ThirdPartAuthFlag", "1"}}), "a1,a3,a5,a8 (4)");
    EXPECT_EQ(list({{"ThirdPartAuthFlag", "0"}}), "a0,a2,a4,a6,a7 (5)");
    EXPECT_EQ(list({{"WorksType", "PAGE"}, {"Status", "3"}, {"ThirdPartAuthFlag", "1"}}), "a8 (1)");
    EXPECT_EQ(w.call(kAction, {{"WorksType", "SCREEN"}}).result.to_json(),
              R"({"Data":[],"PageNum":1,"PageSize":10,"TotalNum":0,"TotalPages":0})");
    // Paging applies to the matches: the PAGE works two at a time.
    BizResult second =
        w.call(kAction, {{"WorksType", "PAGE"}, {"PageNum", "2"}, {"PageSize", "2"}});
    EXPECT_EQ(ids(second), (std::vector<std::string>{"a7", "a8"}));
    EXPECT_EQ(totals(second), "2/2/4/2");
}

TEST(SimWorks, AWorkIsListedWithEveryField) {
    // a0 sets every optional key of the world file; the listing shows each in its field.
    World w(load());
    BizResult r = w.call(kAction, {{"PageSize", "1"}});
    EXPECT_EQ(r.result.to_json(),
              R"({"Data":[{"WorksId":"a0","WorkName":"Revenue","WorkType":"REPORT",)"
              R"("OwnerId":"u1","OwnerName":"Alice","WorkspaceId":"ws1",)"
              R"("WorkspaceName":"Finance","Status":2,"Auth3rdFlag":0,"SecurityLevel":"12",)"
              R"("Description":"Monthly revenue","GmtCreate":"1709280000000",)"
              R"("GmtModify":"1711958400000","ModifyName":"Alice","Directory":{"Id":"d2",)"
              R"("Name":"Q1","PathId":"d1/d2","PathName":"Finance/Q1"}}],"PageNum":1,)"
              R"("PageSize":1,"TotalNum":9,"TotalPages":9})");
}

TEST(SimWorks, BadParametersAreRefusedByName) {
    // Each refusal from the value that causes it; the first bad parameter in the order
    // PageNum, PageSize, Status, ThirdPartAuthFlag answers.
    World w(load());
    const std::vector<std::pair<Params, std::string>> cases = {
        {{{"PageNum", "0"}}, "PageNum"},
        {{{"PageNum", "-1"}}, "PageNum"},
        {{{"PageNum", "abc"}}, "PageNum"},
        {{{"PageNum", "1.5"}}, "PageNum"},
        {{{"PageNum", " 1"}}, "PageNum"},
        {{{"PageNum", "+1"}}, "PageNum"},
        {{{"PageNum", "2147483648"}}, "PageNum"},
        {{{"PageSize", "0"}}, "PageSize"},
        {{{"PageSize", "101"}}, "PageSize"},
        {{{"PageSize", "ten"}}, "PageSize"},
        {{{"Status", "4"}}, "Status"},
        {{{"Status", "published"}}, "Status"},
        {{{"ThirdPartAuthFlag", "2"}}, "ThirdPartAuthFlag"},
        {{{"ThirdPartAuthFlag", "true"}}, "ThirdPartAuthFlag"},
        {{{"ThirdPartAuthFlag", "x"}, {"Status", "x"}, {"PageSize", "x"}, {"PageNum", "x"}},
         "PageNum"},
        {{{"ThirdPartAuthFlag", "x"}, {"Status", "x"}, {"PageSize", "x"}}, "PageSize"},
        {{{"ThirdPartAuthFlag", "x"}, {"Status", "x"}}, "Status"},
    };
    for (const auto& [params, name] : cases)
        EXPECT_EQ(refusal(w.call(kAction, params)),
                  "Invalid.Parameter.Error: The parameter is invalid:" + name + ".")
            << params.begin()->first << "=" << params.begin()->second;
    // The largest values still accepted.
    EXPECT_TRUE(w.call(kAction, {{"PageSize", "100"}, {"PageNum", "2147483647"}}).ok());
}

TEST(SimWorks, TheEditionGatesItLikeEveryCall) {
    // A Standard Edition organisation may not call the API at all.
    sim::WorldData d = load();
    d.organization.edition = "standard";
    World w(d);
    EXPECT_EQ(w.call(kAction, {}).code, "Access.Forbidden");
}

// --- Over HTTPS, with the project's client ---

SimFixtureOptions generated(int works, sim::FaultOptions faults = {}) {
    SimFixtureOptions o;
    o.world = sim::generate_world(sim::GenerateSpec{10, works, 0, 0, -1, -1}, 4);
    o.faults = std::move(faults);
    return o;
}

Poco::JSON::Object::Ptr result_object(const ApiResult& r) {
    Poco::JSON::Parser parser;
    return parser.parse(r.body).extract<Poco::JSON::Object::Ptr>()->getObject("Result");
}

TEST(SimWorksServer, PagingOverTheWire) {
    // 2,500 generated works read by the project's client in pages of 100, the way discovery
    // will: page 1 says how many pages there are; every work arrives once, in order.
    SimFixture sim(generated(2500));
    SimClient client(sim);
    ApiResult first = client.call(kAction, {{"PageNum", "1"}, {"PageSize", "100"}});
    ASSERT_EQ(first.outcome, Outcome::Done) << first.code << " " << first.message;
    const int pages = result_object(first)->getValue<int>("TotalPages");
    EXPECT_EQ(pages, 25);
    std::vector<std::string> seen;
    for (int page = 1; page <= pages + 1; ++page) {
        ApiResult r =
            client.call(kAction, {{"PageNum", std::to_string(page)}, {"PageSize", "100"}});
        ASSERT_EQ(r.outcome, Outcome::Done) << r.code;
        auto result = result_object(r);
        EXPECT_EQ(result->getValue<int>("TotalNum"), 2500);
        EXPECT_EQ(result->getValue<int>("PageNum"), page);
        auto data = result->getArray("Data");
        EXPECT_EQ(data->size(), page <= pages ? 100u : 0u) << page;
        for (std::size_t i = 0; i < data->size(); ++i)
            seen.push_back(
                data->getObject(static_cast<unsigned>(i))->getValue<std::string>("WorksId"));
    }
    EXPECT_EQ(seen.size(), 2500u);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 2500u);
    EXPECT_EQ(sim.simulator().stats().count(kAction, "OK"), 27u);
}

TEST(SimWorksServer, ABadParameterOverTheWire) {
    // PageSize above 100: HTTP 400 with Quick BI's code and message, a permanent failure.
    SimFixture sim(generated(5));
    SimClient client(sim);
    ApiResult r = client.call(kAction, {{"PageSize", "500"}});
    EXPECT_EQ(std::to_string(r.http_status) + " " + r.code + " " + r.message,
              "400 Invalid.Parameter.Error The parameter is invalid:PageSize.");
    EXPECT_EQ(r.outcome, Outcome::Permanent);
}

TEST(SimWorksServer, InjectedFailuresApply) {
    // --fail Internal.System.Error=1: every call answers it and nothing else happens.
    sim::FaultOptions f;
    f.fail = {{"Internal.System.Error", 0, 1.0}};
    SimFixture sim(generated(5, f));
    SimClient client(sim);
    for (int i = 0; i < 3; ++i) {
        ApiResult r = client.call(kAction, {{"PageNum", "1"}});
        EXPECT_EQ(std::to_string(r.http_status) + " " + r.code + " " + r.message,
                  "400 Internal.System.Error An internal system error occurred.");
    }
    EXPECT_EQ(sim.simulator().stats().count(kAction, "Internal.System.Error"), 3u);
}

TEST(SimWorksServer, QpsLimitDropAndHaltApply) {
    // --qps-limit 2 on a manual clock: two pass, the third in the same second is throttled.
    {
        ManualClock clock;
        sim::FaultOptions f;
        f.qps_limit = 2;
        SimFixtureOptions o = generated(5, f);
        o.clock = &clock;
        SimFixture sim(o);
        SimClient client(sim, SignatureScheme::V3, sim_credentials(), &clock);
        EXPECT_EQ(client.call(kAction, {}).outcome, Outcome::Done);
        EXPECT_EQ(client.call(kAction, {}).outcome, Outcome::Done);
        ApiResult r = client.call(kAction, {});
        EXPECT_EQ(r.code + " " + std::to_string(r.http_status), "Throttling.User 400");
        clock.advance_ms(500);
        EXPECT_EQ(client.call(kAction, {}).outcome, Outcome::Done);
    }
    // --drop 1: the connection closes without an answer.
    {
        sim::FaultOptions f;
        f.drop = 1.0;
        SimFixture sim(generated(5, f));
        SimClient client(sim);
        ApiResult r = client.call(kAction, {});
        EXPECT_EQ(r.http_status, 0);
        EXPECT_EQ(r.outcome, Outcome::Retryable);
        EXPECT_EQ(sim.simulator().stats().count(kAction, "Dropped"), 1u);
    }
    // --halt-after 2 InvalidAccessKeyId.NotFound: the first call answers, the rest halt.
    {
        sim::FaultOptions f;
        f.halt_after = 2;
        f.halt_code = "InvalidAccessKeyId.NotFound";
        SimFixture sim(generated(5, f));
        SimClient client(sim);
        EXPECT_EQ(client.call(kAction, {}).outcome, Outcome::Done);
        ApiResult r = client.call(kAction, {});
        EXPECT_EQ(r.code + " " + std::to_string(r.http_status), "InvalidAccessKeyId.NotFound 404");
        EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    }
}

TEST(SimWorksServer, LatencyApplies) {
    // --latency 40 on a manual clock with virtual delays: the answer comes 40 ms later.
    ManualClock clock;
    sim::FaultOptions f;
    f.latency_ms = 40;
    SimFixtureOptions o = generated(5, f);
    o.clock = &clock;
    o.virtual_delays = true;
    SimFixture sim(o);
    SimClient client(sim, SignatureScheme::V3, sim_credentials(), &clock);
    ApiResult r = client.call(kAction, {});
    EXPECT_EQ(r.outcome, Outcome::Done);
    EXPECT_EQ(r.latency_ms, 40);
}

}  // namespace
}  // namespace qbi::test
