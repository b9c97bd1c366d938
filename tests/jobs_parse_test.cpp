// Job files that are accepted (design §3): fields, fan-out, duplicate collapse, IDs written as
// YAML integers or quoted text, the content hash, and the shipped examples.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "runner/core/hash.h"
#include "runner/jobs/job_file.h"
#include "tests/jobs_helpers.h"

namespace qbi::jobs::test {
namespace {

using ::testing::ElementsAre;

// The example of design §3, verbatim.
const char* kDesignExample = R"(version: 1
job: offboard-jdoe-2026-11-30        # unique name, [A-Za-z0-9._-]{1,128}; the idempotency key
description: Offboarding J. Doe (HR-4411)            # optional
not_before: 2026-11-30T18:00:00+08:00                # optional, RFC 3339; tasks not due before
max_attempts: 6                                      # optional; default from config
tasks:
  - cancel-collection:
      user: "1213444447901234"                       # Quick BI UserId
      works: [5d6ae4e7-cede-43cd-b4d3-d2fd442a9202, d23e84a1-82a0-4292-bfdb-521306c31234]
  - cancel-share:
      report: 6b407e50-e774-406b-9956-da2425c21234   # a scalar or a list
      to-type: user                                  # user | group | organization, or 0 | 1 | 2
      to: [de4bc5f9429141cc8091cdd1c15b0001]         # a scalar or a list
)";

// The design's example expands to two CancelCollection calls and one CancelReportShare call,
// with every optional field read.
TEST(JobParse, DesignExampleExpandsToThreeCalls) {
    JobSpec job = job_for(kDesignExample);
    EXPECT_EQ(job.name, "offboard-jdoe-2026-11-30");
    EXPECT_EQ(job.description, "Offboarding J. Doe (HR-4411)");
    ASSERT_TRUE(job.not_before_ms.has_value());
    EXPECT_EQ(*job.not_before_ms, 1796032800000);  // 2026-11-30T10:00:00Z
    EXPECT_EQ(job.max_attempts, 6);
    EXPECT_EQ(job.source_file, "job.yaml");
    EXPECT_EQ(job.content_hash.size(), 64u);
    EXPECT_THAT(calls(job),
                ElementsAre("CancelCollection UserId=1213444447901234 "
                            "WorksId=5d6ae4e7-cede-43cd-b4d3-d2fd442a9202",
                            "CancelCollection UserId=1213444447901234 "
                            "WorksId=d23e84a1-82a0-4292-bfdb-521306c31234",
                            "CancelReportShare ReportId=6b407e50-e774-406b-9956-da2425c21234 "
                            "ShareToIds=de4bc5f9429141cc8091cdd1c15b0001 ShareToType=0"));
    EXPECT_EQ(job.tasks[0].action, "CancelCollection");
    EXPECT_EQ(job.tasks[0].params, (Params{{"UserId", "1213444447901234"},
                                           {"WorksId", "5d6ae4e7-cede-43cd-b4d3-d2fd442a9202"}}));
    EXPECT_EQ(job.tasks[2].action, "CancelReportShare");
    EXPECT_EQ(job.tasks[2].params, (Params{{"ReportId", "6b407e50-e774-406b-9956-da2425c21234"},
                                           {"ShareToIds", "de4bc5f9429141cc8091cdd1c15b0001"},
                                           {"ShareToType", "0"}}));
}

// Optional fields left out stay unset (the caller applies the configured defaults).
TEST(JobParse, OptionalFieldsMayBeOmitted) {
    JobSpec job =
        job_for("version: 1\njob: j\ntasks:\n- cancel-collection: {user: u1, works: w1}\n");
    EXPECT_EQ(job.description, "");
    EXPECT_FALSE(job.not_before_ms.has_value());
    EXPECT_FALSE(job.max_attempts.has_value());
    EXPECT_THAT(calls(job), ElementsAre("CancelCollection UserId=u1 WorksId=w1"));
}

// cancel-share fans out over report x to, report-major, in file order; the three spellings
// of each to-type give ShareToType 0, 1 and 2.
TEST(JobParse, CancelShareFansOutReportMajor) {
    JobSpec job = job_for(R"(version: 1
job: fan-out
tasks:
  - cancel-share:
      report: [r1, r2, r3]
      to-type: group
      to: [g1, g2]
  - cancel-share: {report: r4, to-type: 2, to: org1}
  - cancel-share: {report: r5, to-type: Organization, to: org1}
  - cancel-share: {report: r6, to-type: "0", to: u1}
)");
    EXPECT_THAT(calls(job),
                ElementsAre("CancelReportShare ReportId=r1 ShareToIds=g1 ShareToType=1",
                            "CancelReportShare ReportId=r1 ShareToIds=g2 ShareToType=1",
                            "CancelReportShare ReportId=r2 ShareToIds=g1 ShareToType=1",
                            "CancelReportShare ReportId=r2 ShareToIds=g2 ShareToType=1",
                            "CancelReportShare ReportId=r3 ShareToIds=g1 ShareToType=1",
                            "CancelReportShare ReportId=r3 ShareToIds=g2 ShareToType=1",
                            "CancelReportShare ReportId=r4 ShareToIds=org1 ShareToType=2",
                            "CancelReportShare ReportId=r5 ShareToIds=org1 ShareToType=2",
                            "CancelReportShare ReportId=r6 ShareToIds=u1 ShareToType=0"));
}

// The same call listed twice (inside one list, across tasks, through an overlapping fan-out)
// is one task; the first occurrence keeps its place.
TEST(JobParse, DuplicateTasksCollapseKeepingFirstOccurrence) {
    JobSpec job = job_for(R"(version: 1
job: duplicates
tasks:
  - cancel-collection: {user: "1", works: [w2, w1, w2]}
  - cancel-share: {report: [r1, r2], to-type: user, to: [u1, u2]}
  - cancel-collection: {user: "1", works: [w1, w3]}
  - cancel-share: {report: r2, to-type: 0, to: u1}
  - cancel-share: {report: r2, to-type: group, to: u1}
)");
    EXPECT_THAT(
        calls(job),
        ElementsAre("CancelCollection UserId=1 WorksId=w2", "CancelCollection UserId=1 WorksId=w1",
                    "CancelReportShare ReportId=r1 ShareToIds=u1 ShareToType=0",
                    "CancelReportShare ReportId=r1 ShareToIds=u2 ShareToType=0",
                    "CancelReportShare ReportId=r2 ShareToIds=u1 ShareToType=0",
                    "CancelReportShare ReportId=r2 ShareToIds=u2 ShareToType=0",
                    "CancelCollection UserId=1 WorksId=w3",
                    "CancelReportShare ReportId=r2 ShareToIds=u1 ShareToType=1"));
}

// A YAML integer used as an ID is its text exactly as written (leading zeros, signs, hex);
// quoted scalars are always text, so a quoted "true" or "1.5" is an ID.
TEST(JobParse, IntegersAreTakenAsWrittenAndQuotedTextAsText) {
    JobSpec job = job_for(R"(version: 1
job: 20261130
tasks:
  - cancel-collection:
      user: 1213444447901234
      works: [007, 0x1F, -5, "true", '1.5', !!str yes, "1e3"]
)");
    EXPECT_EQ(job.name, "20261130");
    EXPECT_THAT(calls(job), ElementsAre("CancelCollection UserId=1213444447901234 WorksId=007",
                                        "CancelCollection UserId=1213444447901234 WorksId=0x1F",
                                        "CancelCollection UserId=1213444447901234 WorksId=-5",
                                        "CancelCollection UserId=1213444447901234 WorksId=true",
                                        "CancelCollection UserId=1213444447901234 WorksId=1.5",
                                        "CancelCollection UserId=1213444447901234 WorksId=yes",
                                        "CancelCollection UserId=1213444447901234 WorksId=1e3"));
}

// Every character an ID may hold, at the maximum length of 128.
TEST(JobParse, IdCharacterSetAndMaximumLength) {
    std::string long_id(128, 'a');
    JobSpec job = job_for("version: 1\njob: j\ntasks:\n- cancel-share:\n    report: \"" + long_id +
                          "\"\n    to-type: user\n    to: A-Za.z_0:9@x\n");
    ASSERT_EQ(job.tasks.size(), 1u);
    EXPECT_EQ(job.tasks[0].params.at("ReportId"), long_id);
    EXPECT_EQ(job.tasks[0].params.at("ShareToIds"), "A-Za.z_0:9@x");
}

// A file saved with a UTF-8 byte order mark and Windows line ends, using an anchor and alias.
TEST(JobParse, ByteOrderMarkCrlfAndAliases) {
    JobSpec job = job_for(
        "\xEF\xBB\xBFversion: 1\r\njob: bom\r\ndescription: caf\xC3\xA9\r\n"
        "tasks:\r\n- cancel-collection: {user: u1, works: &w [w1, w2]}\r\n"
        "- cancel-collection: {user: u2, works: *w}\r\n");
    EXPECT_EQ(job.description, "caf\xC3\xA9");
    EXPECT_THAT(calls(job), ElementsAre("CancelCollection UserId=u1 WorksId=w1",
                                        "CancelCollection UserId=u1 WorksId=w2",
                                        "CancelCollection UserId=u2 WorksId=w1",
                                        "CancelCollection UserId=u2 WorksId=w2"));
}

// key() is the canonical identity of a call; describe_call() is the listing form.
TEST(TaskSpecFormat, KeyAndDescribeCall) {
    TaskSpec share{kActionCancelReportShare,
                   {{"ShareToType", "1"}, {"ReportId", "r1"}, {"ShareToIds", "g1"}}};
    EXPECT_EQ(share.key(), "CancelReportShare ReportId=r1&ShareToIds=g1&ShareToType=1");
    EXPECT_EQ(describe_call(share), "CancelReportShare ReportId=r1 ShareToIds=g1 ShareToType=1");
    TaskSpec fav{kActionCancelCollection, {{"WorksId", "w"}, {"UserId", "1213444447901234"}}};
    EXPECT_EQ(fav.key(), "CancelCollection UserId=1213444447901234&WorksId=w");
}

TEST(ValidationErrorFormat, WithAndWithoutPosition) {
    EXPECT_EQ((ValidationError{"a.yaml", 3, 7, "oops"}).to_string(), "a.yaml:3:7: oops");
    EXPECT_EQ((ValidationError{"a.yaml", 0, 0, "cannot read: Is a directory"}).to_string(),
              "a.yaml: cannot read: Is a directory");
}

// ---- content hash --------------------------------------------------------------------------

const char* kHashBase = R"(version: 1
job: hash-me
description: Offboarding
not_before: 2026-11-30T18:00:00+08:00
max_attempts: 6
tasks:
  - cancel-collection: {user: "1", works: [w1, w2]}
  - cancel-share: {report: r1, to-type: user, to: u1}
)";

// The same meaning written differently: keys reordered at every level, tasks reordered,
// flow vs block style, comments, a duplicate task, the same instant in another offset, the
// to-type spelled as its number. All give the same hash.
TEST(ContentHash, StableAcrossFormattingAndOrder) {
    std::string base = job_for(kHashBase).content_hash;
    ASSERT_EQ(base.size(), 64u);
    JobSpec same = job_for(R"(# reordered
tasks:
  - cancel-share:
      to: u1
      to-type: 0
      report: r1
  - cancel-collection:
      works:
        - w2
        - w1
        - w2            # duplicate
      user: "1"
max_attempts: 6
not_before: 2026-11-30T10:00:00Z
job: hash-me
description: "Offboarding"
version: 1
)");
    EXPECT_EQ(same.content_hash, base);
    EXPECT_EQ(job_for(kHashBase).content_hash, base);  // deterministic
}

// The canonical form is part of the database's meaning (a resubmitted job is compared by it),
// so it is pinned here: changing it would make every stored job look different.
TEST(ContentHash, CanonicalFormIsPinned) {
    JobSpec job = job_for(kHashBase);
    std::string canonical =
        "qbi-job 1\n"
        "job hash-me\n"
        "description Offboarding\n"
        "not_before 1796032800000\n"
        "max_attempts 6\n"
        "task CancelCollection UserId=1&WorksId=w1\n"
        "task CancelCollection UserId=1&WorksId=w2\n"
        "task CancelReportShare ReportId=r1&ShareToIds=u1&ShareToType=0\n";
    EXPECT_EQ(job.content_hash, sha256_hex(canonical));
    EXPECT_EQ(compute_content_hash(job), job.content_hash);
    // Values that could forge a line are escaped.
    job.description = "a\nb \"c\"";
    canonical.replace(canonical.find("description Offboarding"), 23, "description a\\nb \\\"c\\\"");
    EXPECT_EQ(compute_content_hash(job), sha256_hex(canonical));
}

// Any change of meaning changes the hash.
TEST(ContentHash, ChangesWithMeaning) {
    std::string base = job_for(kHashBase).content_hash;
    auto variant = [](const std::string& from, const std::string& to) {
        std::string text = kHashBase;
        text.replace(text.find(from), from.size(), to);
        return job_for(text).content_hash;
    };
    EXPECT_NE(variant("works: [w1, w2]", "works: [w1, w3]"), base);  // a changed task
    EXPECT_NE(variant("works: [w1, w2]", "works: [w1]"), base);      // a task less
    EXPECT_NE(variant("to-type: user", "to-type: group"), base);     // another share type
    EXPECT_NE(variant("job: hash-me", "job: hash-me-2"), base);
    EXPECT_NE(variant("description: Offboarding", "description: Offboarding!"), base);
    EXPECT_NE(variant("max_attempts: 6", "max_attempts: 7"), base);
    EXPECT_NE(variant("+08:00", "+09:00"), base);
    EXPECT_NE(variant("max_attempts: 6\n", ""), base);  // unset differs from any value
}

// ---- shipped examples ------------------------------------------------------------------------

std::filesystem::path examples_dir() {
    return std::filesystem::path(QBI_TEST_SOURCE_DIR) / "jobs" / "examples";
}

// Every file in jobs/examples/ validates (the demo and the README rely on them).
TEST(Examples, AllValidate) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(examples_dir())) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        JobFileResult r = parse_job_file(entry.path().string());
        std::string errors;
        if (!r.ok())
            for (const auto& e : r.errors()) errors += e.to_string() + "\n";
        EXPECT_TRUE(r.ok()) << errors;
        if (r.ok()) {
            // A discovery job starts with a few reads; its cancel calls come from the answers.
            bool discovery =
                std::any_of(r.job().tasks.begin(), r.job().tasks.end(),
                            [](const TaskSpec& t) { return is_read_action(t.action); });
            EXPECT_GE(r.job().tasks.size(), discovery ? 1u : 5u) << entry.path();
            EXPECT_LE(r.job().tasks.size(), 30u) << entry.path();
        }
    }
    EXPECT_GE(files, 4);
}

// The four examples: an offboarding, a group dissolution, a scheduled offboarding, an
// offboarding by account name (discovery).
TEST(Examples, ExpandAsDocumented) {
    auto load = [](const char* name) {
        JobFileResult r = parse_job_file((examples_dir() / name).string());
        EXPECT_TRUE(r.ok()) << name;
        return r.ok() ? r.job() : JobSpec{};
    };
    JobSpec jdoe = load("offboard-jdoe.yaml");
    EXPECT_EQ(jdoe.name, "offboard-jdoe-2026-11-30");
    EXPECT_EQ(jdoe.tasks.size(), 11u);
    EXPECT_EQ(
        describe_call(jdoe.tasks.front()),
        "CancelCollection UserId=1213444447901234 WorksId=f768064f-9585-47ad-a39e-ed24c2c063fe");
    EXPECT_EQ(describe_call(jdoe.tasks.back()),
              "CancelReportShare ReportId=83de0b93-946a-4998-9656-7964cfbaa4dd "
              "ShareToIds=1213444447901234 ShareToType=0");

    JobSpec finance = load("dissolve-group-finance.yaml");
    EXPECT_EQ(finance.name, "dissolve-group-finance-2026-q4");
    EXPECT_EQ(finance.tasks.size(), 17u);
    EXPECT_EQ(finance.max_attempts, 10);
    EXPECT_EQ(finance.description,
              "Revoke the shares of the Finance AP and Finance AR user groups before they are "
              "deleted (RO-2026-17).");
    for (const TaskSpec& t : finance.tasks) EXPECT_EQ(t.params.at("ShareToType"), "1");

    JobSpec chen = load("scheduled-offboard.yaml");
    EXPECT_EQ(chen.name, "offboard-mchen-2026-12-18");
    EXPECT_EQ(chen.tasks.size(), 8u);
    EXPECT_EQ(chen.max_attempts, 8);
    ASSERT_TRUE(chen.not_before_ms.has_value());
    EXPECT_EQ(*chen.not_before_ms, 1797588000000);  // 2026-12-18T10:00:00Z

    // Due at once (the demo runs it): one account lookup, then one share list per work.
    JobSpec lwang = load("offboard-by-account.yaml");
    EXPECT_EQ(lwang.name, "offboard-lwang-2026-06-30");
    EXPECT_FALSE(lwang.not_before_ms.has_value());
    EXPECT_THAT(calls(lwang),
                ElementsAre("QueryUserInfoByAccount Account=lwang@corpdata.onaliyun.com "
                            "(offboarding account lwang@corpdata.onaliyun.com: favourites and "
                            "direct shares)",
                            "QueryShareList ReportId=2f9a3c1e-7b4d-4e8a-9c61-0d5e8f7a2b13 "
                            "(revoking shares to group 5b1e7c2a9d3f4e60a8c4f1d2e3b40011)",
                            "QueryShareList ReportId=8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f "
                            "(revoking shares to group 5b1e7c2a9d3f4e60a8c4f1d2e3b40011)"));
}

}  // namespace
}  // namespace qbi::jobs::test
