// Job files that are rejected: each test sets up one mistake a user makes and asserts the
// complete message, file:line:column included (design §3: name the place and what was
// expected). Structure and value errors; file-level and byte-level errors are in
// jobs_file_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/jobs_helpers.h"

namespace qbi::jobs::test {
namespace {

using ::testing::ElementsAre;

const std::string kId = "an ID (a string of A-Za-z0-9._:@-, 1–128 characters)";

// A valid job whose cancel-collection body (lines 5 and 6, indented 6) the tests replace.
std::string with_body(const std::string& body) {
    return "version: 1\njob: offboard-jdoe\ntasks:\n  - cancel-collection:\n" + body;
}

// ---- YAML itself ---------------------------------------------------------------------------

// A second "key: value" on one line: yaml-cpp's message, at the second colon.
TEST(JobErrors, YamlSyntaxError) {
    EXPECT_THAT(errors_for("version: 1\njob: a: b\n"),
                ElementsAre("job.yaml:2:7: YAML syntax error: illegal map value"));
}

// An unclosed flow list runs into the end of the file.
TEST(JobErrors, YamlUnclosedFlowList) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ntasks: [a, b\n"),
                ElementsAre("job.yaml:4:1: YAML syntax error: end of sequence flow not found"));
}

// An alias naming an anchor that was never defined.
TEST(JobErrors, YamlUndefinedAlias) {
    EXPECT_THAT(
        errors_for(with_body("      user: *nobody\n      works: w1\n")),
        ElementsAre("job.yaml:5:13: YAML syntax error: the referenced anchor is not defined"));
}

// Thousands of nested brackets: refused by yaml-cpp's depth guard, not by a stack overflow.
TEST(JobErrors, YamlNestingTooDeep) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ntasks: " + std::string(5000, '[') +
                           std::string(5000, ']') + "\n"),
                ElementsAre("job.yaml:3:10008: YAML syntax error: nesting too deep"));
}

// Two documents in one file ("---" starts the second).
TEST(JobErrors, SecondDocument) {
    EXPECT_THAT(errors_for(with_body("      user: u1\n      works: w1\n---\nversion: 1\n")),
                ElementsAre("job.yaml:7:1: a second YAML document starts here; a job file "
                            "holds one document"));
}

// ---- top level -----------------------------------------------------------------------------

TEST(JobErrors, EmptyFile) {
    EXPECT_THAT(
        errors_for(""),
        ElementsAre("job.yaml: empty file; expected a job (a map with version, job and tasks)"));
    EXPECT_THAT(
        errors_for("# nothing but a comment\n"),
        ElementsAre("job.yaml: empty file; expected a job (a map with version, job and tasks)"));
}

// A file that is a list at the top.
TEST(JobErrors, TopLevelNotAMap) {
    EXPECT_THAT(errors_for("- version: 1\n"),
                ElementsAre("job.yaml:1:1: expected a job (a map with version, job and tasks), "
                            "got a list"));
}

TEST(JobErrors, VersionMissing) {
    EXPECT_THAT(errors_for("job: j\ntasks:\n- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:1:1: missing required key 'version'; expected version: 1"));
}

// A newer schema: reported alone, since its other keys may be valid in that version.
TEST(JobErrors, VersionUnsupported) {
    EXPECT_THAT(
        errors_for("version: 2\njob: j\nworkflow: []\n"),
        ElementsAre("job.yaml:1:10: unsupported version 2; this qbi-runner reads version 1"));
    EXPECT_THAT(
        errors_for("version: 1.1\njob: j\n"),
        ElementsAre("job.yaml:1:10: unsupported version 1.1; this qbi-runner reads version 1"));
}

TEST(JobErrors, VersionEmpty) {
    EXPECT_THAT(errors_for("version:\njob: j\ntasks:\n- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:1:1: version: expected 1, got an empty value"));
}

TEST(JobErrors, JobAndTasksMissing) {
    EXPECT_THAT(
        errors_for("# comment first\nversion: 1\ndescription: d\n"),
        ElementsAre("job.yaml:2:1: missing required key 'job'; expected a job name "
                    "(a string of A-Za-z0-9._-, 1–128 characters)",
                    "job.yaml:2:1: missing required key 'tasks'; expected a list of tasks"));
}

// Job names are narrower than IDs: no '@' or ':'.
TEST(JobErrors, BadJobName) {
    EXPECT_THAT(
        errors_for(
            "version: 1\njob: jdoe@corp\ntasks:\n- cancel-collection: {user: u, works: w}\n"),
        ElementsAre("job.yaml:2:6: job: expected a job name (a string of A-Za-z0-9._-, "
                    "1–128 characters), got \"jdoe@corp\" ('@' is not allowed)"));
    EXPECT_THAT(errors_for("version: 1\njob:\ntasks:\n- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:2:1: job: expected a job name (a string of A-Za-z0-9._-, "
                            "1–128 characters), got an empty value"));
}

TEST(JobErrors, UnknownTopLevelKeySuggestsNearest) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ntaks:\n- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:1:1: missing required key 'tasks'; expected a list of tasks",
                            "job.yaml:3:1: unknown key 'taks'; did you mean 'tasks'?"));
    EXPECT_THAT(errors_for("version: 1\njob: j\nnotbefore: 2026-11-30T18:00:00Z\nowner: it-ops\n"
                           "tasks:\n- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:3:1: unknown key 'notbefore'; did you mean 'not_before'?",
                            "job.yaml:4:1: unknown key 'owner'; expected one of version, job, "
                            "description, not_before, max_attempts, tasks"));
}

// yaml-cpp keeps both; the second is the error.
TEST(JobErrors, DuplicateKeys) {
    EXPECT_THAT(errors_for("version: 1\njob: a\njob: b\ntasks:\n"
                           "- cancel-collection: {user: u, works: w, user: v}\n"),
                ElementsAre("job.yaml:3:1: duplicate key 'job' (first at line 2, column 1)",
                            "job.yaml:5:42: duplicate key 'user' (first at line 5, column 23)"));
}

// A map key that is itself a list.
TEST(JobErrors, NonScalarKey) {
    EXPECT_THAT(
        errors_for(
            "version: 1\njob: j\n[a, b]: c\ntasks:\n- cancel-collection: {user: u, works: w}\n"),
        ElementsAre("job.yaml:3:1: expected a key name, got a list"));
}

TEST(JobErrors, DescriptionNotText) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ndescription: [a, b]\ntasks:\n"
                           "- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:3:14: description: expected text, got a list"));
}

// ---- not_before, max_attempts --------------------------------------------------------------

std::string with_top(const std::string& line) {
    return "version: 1\njob: j\n" + line + "\ntasks:\n- cancel-collection: {user: u, works: w}\n";
}

TEST(JobErrors, NotBeforeWithoutOffset) {
    EXPECT_THAT(errors_for(with_top("not_before: 2026-11-30T18:00:00")),
                ElementsAre("job.yaml:3:13: not_before: \"2026-11-30T18:00:00\" has no UTC offset; "
                            "write it with one, e.g. 2026-11-30T18:00:00+08:00 or "
                            "2026-11-30T18:00:00Z"));
}

TEST(JobErrors, NotBeforeNotADateTime) {
    const std::string expected =
        "not_before: expected an RFC 3339 date-time with a UTC offset "
        "(e.g. 2026-11-30T18:00:00+08:00), got ";
    EXPECT_THAT(errors_for(with_top("not_before: tomorrow")),
                ElementsAre("job.yaml:3:13: " + expected + "\"tomorrow\""));
    EXPECT_THAT(errors_for(with_top("not_before: 2026-11-30")),
                ElementsAre("job.yaml:3:13: " + expected + "\"2026-11-30\""));
    EXPECT_THAT(errors_for(with_top("not_before: 2026-02-30T18:00:00Z")),
                ElementsAre("job.yaml:3:13: " + expected + "\"2026-02-30T18:00:00Z\""));
    EXPECT_THAT(errors_for(with_top("not_before:")),
                ElementsAre("job.yaml:3:1: " + expected + "an empty value"));
}

TEST(JobErrors, MaxAttemptsOutOfRangeOrNotAnInteger) {
    const std::string expected =
        "job.yaml:3:15: max_attempts: expected an integer from 1 to 100, got ";
    EXPECT_THAT(errors_for(with_top("max_attempts: 0")), ElementsAre(expected + "the number 0"));
    EXPECT_THAT(errors_for(with_top("max_attempts: 101")),
                ElementsAre(expected + "the number 101"));
    EXPECT_THAT(errors_for(with_top("max_attempts: 2.5")),
                ElementsAre(expected + "the number 2.5"));
    EXPECT_THAT(errors_for(with_top("max_attempts: six")), ElementsAre(expected + "\"six\""));
    EXPECT_THAT(errors_for(with_top("max_attempts: \"6\"")), ElementsAre("<valid>"));
}

// ---- the task list -------------------------------------------------------------------------

// A map where the list belongs (the "- " forgotten).
TEST(JobErrors, TasksIsAMap) {
    EXPECT_THAT(
        errors_for("version: 1\njob: j\ntasks:\n  cancel-collection: {user: u, works: w}\n"),
        ElementsAre("job.yaml:4:3: tasks: expected a list of tasks, got a map"));
}

TEST(JobErrors, TasksEmptyOrMissingValue) {
    EXPECT_THAT(
        errors_for("version: 1\njob: j\ntasks: []\n"),
        ElementsAre("job.yaml:3:8: tasks: the list is empty; a job needs at least one task"));
    EXPECT_THAT(errors_for("version: 1\njob: j\ntasks:\n"),
                ElementsAre("job.yaml:3:1: tasks: expected a list of tasks, got an empty value"));
}

TEST(JobErrors, TaskItemNotAMap) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ntasks:\n  - cancel-collection\n  - {}\n"),
                ElementsAre("job.yaml:4:5: tasks[0]: expected a task (a map with one key: "
                            "cancel-collection, cancel-share, offboard-user or revoke-shares), "
                            "got \"cancel-collection\"",
                            "job.yaml:5:5: tasks[1]: expected a task (a map with one key: "
                            "cancel-collection, cancel-share, offboard-user or revoke-shares), "
                            "got an empty map"));
}

TEST(JobErrors, UnknownActionSuggestsNearest) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ntasks:\n  - cancel-colection: {user: u, works: w}\n"
                           "  - delete-user: {user: u}\n  - offbaord-user: {user: u}\n"
                           "  - revoke-share: {to-type: user, to: u, works: all}\n"),
                ElementsAre("job.yaml:4:5: unknown action 'cancel-colection'; did you mean "
                            "'cancel-collection'?",
                            "job.yaml:5:5: unknown action 'delete-user'; expected "
                            "cancel-collection, cancel-share, offboard-user or revoke-shares",
                            "job.yaml:6:5: unknown action 'offbaord-user'; did you mean "
                            "'offboard-user'?",
                            "job.yaml:7:5: unknown action 'revoke-share'; did you mean "
                            "'revoke-shares'?"));
}

// The fields written beside the action instead of under it (indentation slip).
TEST(JobErrors, FieldsNotIndentedUnderTheAction) {
    EXPECT_THAT(
        errors_for(
            "version: 1\njob: j\ntasks:\n  - cancel-collection:\n    user: u\n    works: w\n"),
        ElementsAre("job.yaml:4:5: cancel-collection: expected a map with user and works, "
                    "got an empty value",
                    "job.yaml:5:5: unexpected key 'user' beside 'cancel-collection'; a task "
                    "has one action, with its fields indented under it",
                    "job.yaml:6:5: unexpected key 'works' beside 'cancel-collection'; a task "
                    "has one action, with its fields indented under it"));
}

// ---- cancel-collection ---------------------------------------------------------------------

TEST(JobErrors, CollectionMissingFields) {
    EXPECT_THAT(
        errors_for(with_body("      works: [w1]\n")),
        ElementsAre("job.yaml:5:7: cancel-collection: missing required key 'user'; expected " +
                    kId));
    EXPECT_THAT(errors_for(with_body("      user: u1\n")),
                ElementsAre("job.yaml:5:7: cancel-collection: missing required key 'works'; "
                            "expected an ID or a list of IDs"));
}

TEST(JobErrors, CollectionUnknownKey) {
    EXPECT_THAT(
        errors_for(with_body("      uesr: u1\n      works: w1\n")),
        ElementsAre(
            "job.yaml:5:7: unknown key 'uesr' in cancel-collection; did you mean 'user'?",
            "job.yaml:5:7: cancel-collection: missing required key 'user'; expected " + kId));
}

// The user ID written as a float, a boolean, a list (several users), or left empty.
TEST(JobErrors, UserWrongTypes) {
    EXPECT_THAT(errors_for(with_body("      user: 1.5\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId +
                            ", got the number 1.5; quote it to use it as text"));
    EXPECT_THAT(errors_for(with_body("      user: 1.2134444479e15\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId +
                            ", got the number 1.2134444479e15; quote it to use it as text"));
    EXPECT_THAT(errors_for(with_body("      user: true\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId +
                            ", got the boolean true; quote it to use it as text"));
    EXPECT_THAT(errors_for(with_body("      user: [\"1\", \"2\"]\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId +
                            ", got a list; write one cancel-collection per user"));
    EXPECT_THAT(errors_for(with_body("      user:\n      works: w1\n")),
                ElementsAre("job.yaml:5:7: user: expected " + kId + ", got an empty value"));
    EXPECT_THAT(errors_for(with_body("      user: \"\"\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId + ", got an empty string"));
}

// A list element of the wrong type is named by its index.
TEST(JobErrors, WorksElementWrongTypes) {
    EXPECT_THAT(
        errors_for(with_body("      user: u1\n      works: [w1, 1e3, no, ~, [w2], {a: b}]\n")),
        ElementsAre("job.yaml:6:19: works[1]: expected " + kId +
                        ", got the number 1e3; quote it to use it as text",
                    "job.yaml:6:24: works[2]: expected " + kId +
                        ", got the boolean no; quote it to use it as text",
                    "job.yaml:6:28: works[3]: expected " + kId + ", got an empty value",
                    "job.yaml:6:31: works[4]: expected " + kId + ", got a list",
                    "job.yaml:6:37: works[5]: expected " + kId + ", got a map"));
}

TEST(JobErrors, WorksNotAnIdOrList) {
    EXPECT_THAT(
        errors_for(with_body("      user: u1\n      works: []\n")),
        ElementsAre("job.yaml:6:14: works: expected an ID or a list of IDs, got an empty list"));
    EXPECT_THAT(errors_for(with_body("      user: u1\n      works: {w1: x}\n")),
                ElementsAre("job.yaml:6:14: works: expected an ID or a list of IDs, got a map"));
    EXPECT_THAT(
        errors_for(with_body("      user: u1\n      works:\n")),
        ElementsAre("job.yaml:6:7: works: expected an ID or a list of IDs, got an empty value"));
}

// Characters outside the ID set, and an ID one character too long.
TEST(JobErrors, BadIdCharactersAndLength) {
    EXPECT_THAT(errors_for(with_body("      user: jdoe smith\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId +
                            ", got \"jdoe smith\" (' ' is not allowed)"));
    EXPECT_THAT(errors_for(with_body("      user: u1\n      works: [\"w1/../w2\"]\n")),
                ElementsAre("job.yaml:6:15: works[0]: expected " + kId +
                            ", got \"w1/../w2\" ('/' is not allowed)"));
    EXPECT_THAT(errors_for(with_body("      user: \"jdo\xC3\xA9\"\n      works: w1\n")),
                ElementsAre("job.yaml:5:13: user: expected " + kId +
                            ", got \"jdo\xC3\xA9\" (U+00E9 is not allowed)"));
    EXPECT_THAT(
        errors_for(with_body("      user: \"" + std::string(129, '7') + "\"\n      works: w1\n")),
        ElementsAre("job.yaml:5:13: user: expected " + kId + ", got a string of 129 characters"));
}

// ---- cancel-share --------------------------------------------------------------------------

std::string with_share(const std::string& body) {
    return "version: 1\njob: j\ntasks:\n  - cancel-share:\n" + body;
}

TEST(JobErrors, ShareBadToType) {
    const std::string expected =
        "to-type: expected one of user, group, organization (or 0, 1, 2), got ";
    EXPECT_THAT(errors_for(with_share("      report: r1\n      to-type: team\n      to: t1\n")),
                ElementsAre("job.yaml:6:16: " + expected + "\"team\""));
    EXPECT_THAT(errors_for(with_share("      report: r1\n      to-type: 3\n      to: t1\n")),
                ElementsAre("job.yaml:6:16: " + expected + "the number 3"));
    EXPECT_THAT(errors_for(with_share("      report: r1\n      to-type: [user]\n      to: t1\n")),
                ElementsAre("job.yaml:6:16: " + expected + "a list"));
}

TEST(JobErrors, ShareMissingFields) {
    EXPECT_THAT(errors_for(with_share("      to: t1\n")),
                ElementsAre("job.yaml:5:7: cancel-share: missing required key 'report'; expected "
                            "an ID or a list of IDs",
                            "job.yaml:5:7: cancel-share: missing required key 'to-type'; expected "
                            "one of user, group, organization (or 0, 1, 2)"));
    EXPECT_THAT(errors_for(with_share("      report: r1\n      to-type: user\n")),
                ElementsAre("job.yaml:5:7: cancel-share: missing required key 'to'; expected an ID "
                            "or a list of IDs"));
    EXPECT_THAT(errors_for(with_share("      []\n")),
                ElementsAre("job.yaml:5:7: cancel-share: expected a map with report, to-type and "
                            "to, got an empty list"));
}

TEST(JobErrors, ShareUnknownKeyAndBadElements) {
    EXPECT_THAT(
        errors_for(with_share("      report: [r1, false]\n      to_type: group\n"
                              "      to: [g1, \"\"]\n")),
        ElementsAre("job.yaml:5:7: cancel-share: missing required key 'to-type'; expected "
                    "one of user, group, organization (or 0, 1, 2)",
                    "job.yaml:5:20: report[1]: expected " + kId +
                        ", got the boolean false; quote it to use it as text",
                    "job.yaml:6:7: unknown key 'to_type' in cancel-share; did you mean 'to-type'?",
                    "job.yaml:7:16: to[1]: expected " + kId + ", got an empty string"));
}

// ---- offboard-user, revoke-shares (discovery.md §1) ------------------------------------------

// One mistake per row: what the user wrote, and every error it gives.
struct Case {
    const char* situation;
    std::string text;
    std::vector<std::string> errors;
};

void expect_cases(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        SCOPED_TRACE(c.situation);
        EXPECT_EQ(errors_for(c.text), c.errors);
    }
}

// A job whose offboard-user body (from line 5, indented 6) the rows write.
std::string with_offboard(const std::string& body) {
    return "version: 1\njob: j\ntasks:\n  - offboard-user:\n" + body;
}

const std::string kAccount = "an account name (1–128 characters, no spaces or control characters)";
const std::string kToType = "one of user, group, organization (or 0, 1, 2)";

TEST(JobErrors, OffboardUser) {
    std::string e_acute_129;  // 129 characters, 258 bytes
    for (int i = 0; i < 129; ++i) e_acute_129 += "\xC3\xA9";
    const std::string nothing =
        "job.yaml:5:7: offboard-user: with favorites: false and shares: "
        "none there is nothing to do; drop the task or enable one of them";
    expect_cases({
        {"account and user both",
         with_offboard("      account: jdoe\n      user: \"1\"\n"),
         {"job.yaml:6:7: offboard-user: 'account' and 'user' are both given; expected exactly "
          "one (write a separate offboard-user for each)"}},
        {"neither account nor user",
         with_offboard("      favorites: true\n"),
         {"job.yaml:5:7: offboard-user: missing required key 'account' or 'user'; expected an "
          "account name or a Quick BI UserId (or a list of either)"}},
        {"empty account list",
         with_offboard("      account: []\n"),
         {"job.yaml:5:16: account: expected an account name or a list of account names, got an "
          "empty list"}},
        {"empty user list",
         with_offboard("      user: []\n"),
         {"job.yaml:5:13: user: expected an ID or a list of IDs, got an empty list"}},
        {"bad account names: space, float, tab escape, no-break space, boolean",
         with_offboard("      account: [\"j doe\", 1.5, \"a\\tb\", \"jdoe\\u00a0\", no]\n"),
         {"job.yaml:5:17: account[0]: expected " + kAccount +
              ", got \"j doe\" (' ' is not allowed)",
          "job.yaml:5:26: account[1]: expected " + kAccount +
              ", got the number 1.5; quote it to use it as text",
          "job.yaml:5:31: account[2]: expected " + kAccount +
              ", got \"a\\tb\" (U+0009 is not allowed)",
          "job.yaml:5:39: account[3]: expected " + kAccount +
              ", got \"jdoe\xC2\xA0\" (U+00A0 is not allowed)",
          "job.yaml:5:53: account[4]: expected " + kAccount +
              ", got the boolean no; quote it to use it as text"}},
        {"account name of 129 characters (counted as characters, not bytes)",
         with_offboard("      account: \"" + e_acute_129 + "\"\n"),
         {"job.yaml:5:16: account: expected " + kAccount + ", got a string of 129 characters"}},
        {"favorites: maybe",
         with_offboard("      user: u\n      favorites: maybe\n"),
         {"job.yaml:6:18: favorites: expected true or false, got \"maybe\""}},
        {"favorites: \"yes\" (quoted: text, not a boolean)",
         with_offboard("      user: u\n      favorites: \"yes\"\n"),
         {"job.yaml:6:18: favorites: expected true or false, got \"yes\"; write it without "
          "quotes"}},
        {"favorites: 1",
         with_offboard("      user: u\n      favorites: 1\n"),
         {"job.yaml:6:18: favorites: expected true or false, got the number 1"}},
        {"favorites left empty",
         with_offboard("      user: u\n      favorites:\n"),
         {"job.yaml:6:7: favorites: expected true or false, got an empty value"}},
        {"shares: some",
         with_offboard("      user: u\n      shares: some\n"),
         {"job.yaml:6:15: shares: expected direct or none, got \"some\""}},
        {"missing: maybe",
         with_offboard("      user: u\n      missing: maybe\n"),
         {"job.yaml:6:16: missing: expected fail or ok, got \"maybe\""}},
        {"missing: no (a boolean, not a keyword)",
         with_offboard("      user: u\n      missing: no\n"),
         {"job.yaml:6:16: missing: expected fail or ok, got the boolean no"}},
        {"nothing to do",
         with_offboard("      user: u\n      favorites: false\n      shares: none\n"),
         {nothing}},
        {"nothing to do, YAML 1.1 boolean",
         with_offboard("      user: u\n      favorites: off\n"
                       "      shares: NONE\n"),
         {nothing}},
        {"misspelt key",
         with_offboard("      acount: jdoe\n"),
         {"job.yaml:5:7: unknown key 'acount' in offboard-user; did you mean 'account'?",
          "job.yaml:5:7: offboard-user: missing required key 'account' or 'user'; expected an "
          "account name or a Quick BI UserId (or a list of either)"}},
        {"unknown key",
         with_offboard("      user: u\n      sharing: none\n"),
         {"job.yaml:6:7: unknown key 'sharing' in offboard-user; expected one of account, user, "
          "favorites, shares, missing"}},
        {"an account instead of a map",
         "version: 1\njob: j\ntasks:\n  - offboard-user: jdoe\n",
         {"job.yaml:4:20: offboard-user: expected a map with account or user, got \"jdoe\""}},
        {"no body",
         "version: 1\njob: j\ntasks:\n  - offboard-user:\n",
         {"job.yaml:4:5: offboard-user: expected a map with account or user, got an empty value"}},
        {"128 characters, '@', '.', non-ASCII: valid",
         with_offboard("      account: [\"" + std::string(128, 'a') +
                       "\", j.doe@corp.onaliyun.com, \"J\xC3\xA9r\xC3\xB4me\"]\n"),
         {"<valid>"}},
    });
}

std::string with_revoke(const std::string& body) {
    return "version: 1\njob: j\ntasks:\n  - revoke-shares:\n" + body;
}

TEST(JobErrors, RevokeShares) {
    const std::string workspace =
        "job.yaml:5:16: to-type: workspace grants (ShareToType 3) are "
        "not revoked by qbi-runner; expected " +
        kToType;
    const std::string rest = "      to: g1\n      works: all\n";
    expect_cases({
        {"to-type: workspace", with_revoke("      to-type: workspace\n" + rest), {workspace}},
        {"to-type: Workspace", with_revoke("      to-type: Workspace\n" + rest), {workspace}},
        {"to-type: 3", with_revoke("      to-type: 3\n" + rest), {workspace}},
        {"to-type: team",
         with_revoke("      to-type: team\n" + rest),
         {"job.yaml:5:16: to-type: expected " + kToType + ", got \"team\""}},
        {"works: everything",
         with_revoke("      to-type: group\n      to: g1\n      works: everything\n"),
         {"job.yaml:7:14: works: expected all, an ID or a list of IDs, got \"everything\" (a "
          "plain word is read as a keyword; quote a work ID that is a word)"}},
        {"works: ALL (keywords ignore case)",
         with_revoke("      to-type: group\n      to: g1\n      works: ALL\n"),
         {"<valid>"}},
        {"works: \"everything\" (quoted: a work ID)",
         with_revoke("      to-type: group\n      to: g1\n      works: \"everything\"\n"),
         {"<valid>"}},
        {"all inside a list, and a bad ID",
         with_revoke("      to-type: group\n      to: g1\n      works: [w1, all, \"bad id\"]\n"),
         {"job.yaml:7:19: works[1]: all means every work and cannot be one of a list; write "
          "works: all",
          "job.yaml:7:24: works[2]: expected " + kId + ", got \"bad id\" (' ' is not allowed)"}},
        {"works: []",
         with_revoke("      to-type: group\n      to: g1\n      works: []\n"),
         {"job.yaml:7:14: works: expected all, an ID or a list of IDs, got an empty list"}},
        {"works left empty",
         with_revoke("      to-type: group\n      to: g1\n      works:\n"),
         {"job.yaml:7:7: works: expected all, an ID or a list of IDs, got an empty value"}},
        {"to: an empty list",
         with_revoke("      to-type: group\n      to: []\n      works: all\n"),
         {"job.yaml:6:11: to: expected an ID or a list of IDs, got an empty list"}},
        {"to-type and works missing",
         with_revoke("      to: g1\n"),
         {"job.yaml:5:7: revoke-shares: missing required key 'to-type'; expected " + kToType,
          "job.yaml:5:7: revoke-shares: missing required key 'works'; expected all, an ID or a "
          "list of IDs"}},
        {"to missing",
         with_revoke("      to-type: user\n      works: all\n"),
         {"job.yaml:5:7: revoke-shares: missing required key 'to'; expected an ID or a list of "
          "IDs"}},
        {"misspelt key",
         with_revoke("      to-typ: group\n" + rest),
         {"job.yaml:5:7: unknown key 'to-typ' in revoke-shares; did you mean 'to-type'?",
          "job.yaml:5:7: revoke-shares: missing required key 'to-type'; expected " + kToType}},
        {"a list instead of a map",
         "version: 1\njob: j\ntasks:\n  - revoke-shares: [a]\n",
         {"job.yaml:4:20: revoke-shares: expected a map with to-type, to and works, got a list"}},
        {"explicit and discovery tasks in one file: valid",
         "version: 1\njob: j\ntasks:\n  - cancel-collection: {user: u, works: w}\n"
         "  - offboard-user: {account: jdoe@corp.onaliyun.com, missing: ok}\n"
         "  - cancel-share: {report: r, to-type: user, to: u}\n"
         "  - revoke-shares: {to-type: organization, to: o, works: all}\n"
         "  - offboard-user: {user: [u1, u2], favorites: yes, shares: none}\n",
         {"<valid>"}},
    });
}

// ---- several errors ------------------------------------------------------------------------

// Every error of a file is reported, in file order, and nothing is accepted.
TEST(JobErrors, AllErrorsOfAFileAreReported) {
    EXPECT_THAT(errors_for(R"(version: 1
job: offboard jdoe
max_attempts: 0
tasks:
  - cancel-collection:
      user: 1.5
      works: [ok-1, "bad id"]
  - cancel-share:
      report: r1
      to-type: everyone
      to: g1
)"),
                ElementsAre("job.yaml:2:6: job: expected a job name (a string of A-Za-z0-9._-, "
                            "1–128 characters), got \"offboard jdoe\" (' ' is not allowed)",
                            "job.yaml:3:15: max_attempts: expected an integer from 1 to 100, got "
                            "the number 0",
                            "job.yaml:6:13: user: expected " + kId +
                                ", got the number 1.5; quote it to use it as text",
                            "job.yaml:7:21: works[1]: expected " + kId +
                                ", got \"bad id\" (' ' is not allowed)",
                            "job.yaml:10:16: to-type: expected one of user, group, organization "
                            "(or 0, 1, 2), got \"everyone\""));
}

// After max_errors the file is given up on, with one more line saying so.
TEST(JobErrors, ErrorCap) {
    std::string text =
        "version: 1\njob: j\ntasks:\n  - cancel-collection:\n      user: u\n"
        "      works: [a b, c d, e f, g h, i j]\n";
    JobLimits limits;
    limits.max_errors = 3;
    const std::string bad = ": expected " + kId + ", got ";
    EXPECT_THAT(errors_for(text, limits),
                ElementsAre("job.yaml:6:15: works[0]" + bad + "\"a b\" (' ' is not allowed)",
                            "job.yaml:6:20: works[1]" + bad + "\"c d\" (' ' is not allowed)",
                            "job.yaml:6:25: works[2]" + bad + "\"e f\" (' ' is not allowed)",
                            "job.yaml:6:30: too many errors; stopped after 3"));
}

}  // namespace
}  // namespace qbi::jobs::test
