// The queue commands end to end through the command table, on a real SQLite file: validate,
// submit (atomic per file, idempotent, several files), status, tasks, rerun, cancel, audit,
// and their exit codes and --json schemas.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "runner/app/session.h"
#include "runner/core/clock.h"
#include "runner/core/log.h"
#include "runner/core/random.h"
#include "runner/queue/audit.h"
#include "runner/queue/migrations.h"
#include "runner/queue/store.h"
#include "tests/support/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace qbi::cli {
namespace {

const char* kJobA =
    "version: 1\njob: job-a\ntasks:\n"
    "  - cancel-collection: {user: \"100\", works: [w1, w2, w3]}\n";
const char* kJobB =
    "version: 1\njob: job-b\ntasks:\n"
    "  - cancel-share: {report: [r1, r2], to-type: group, to: g1}\n";
const char* kJobBad = "version: 1\njob: job-c\ntasks: []\n";

class QueueCli : public ::testing::Test {
protected:
    int cli(std::vector<std::string> args) {
        std::vector<std::string> argv{"--db", db()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = test::run_cli(argv, env_from_map({{"HOME", dir.path().string()}}));
        out = r.out;
        err = r.err;
        return r.code;
    }
    std::string db() const { return (dir / "q.db").string(); }
    std::string file(const std::string& name, const std::string& text) {
        return dir.write(name, text).string();
    }
    test::TempDir dir;
    std::string out, err;
};

TEST_F(QueueCli, ValidateReportsEachFile) {
    auto a = file("a.yaml", kJobA), bad = file("bad.yaml", kJobBad);
    EXPECT_EQ(cli({"validate", a}), 0);
    EXPECT_EQ(out, a + ": ok, job job-a, 3 tasks\n");
    EXPECT_EQ(cli({"validate", a, bad}), 65);
    EXPECT_EQ(err, bad + ":3:8: tasks: the list is empty; a job needs at least one task\n" + bad +
                       ": invalid\n");
    EXPECT_EQ(cli({"--json", "validate", bad}), 65);
    EXPECT_NE(out.find("\"valid\":false"), std::string::npos) << out;
}

// A bad file among good ones: the good ones go in, the bad one enqueues nothing, exit 65.
TEST_F(QueueCli, SubmitTakesGoodFilesAndRefusesBadOnes) {
    auto a = file("a.yaml", kJobA), b = file("b.yaml", kJobB), bad = file("bad.yaml", kJobBad);
    EXPECT_EQ(cli({"submit", a, bad, b}), 65);
    EXPECT_EQ(out, a + ": submitted as job 1 (job-a, 3 tasks)\n" + b +
                       ": submitted as job 2 (job-b, 2 tasks)\n");
    EXPECT_NE(err.find(bad + ": rejected, nothing enqueued"), std::string::npos) << err;
    EXPECT_EQ(cli({"--json", "status"}), 0);
    EXPECT_NE(out.find("\"name\":\"job-a\""), std::string::npos);
    EXPECT_EQ(out.find("job-c"), std::string::npos);
}

TEST_F(QueueCli, ResubmitIsIdempotentAndChangedContentIsRefused) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(out, a + ": already submitted as job 1 (job-a, 3 tasks); nothing changed\n");
    auto changed =
        file("a2.yaml", std::string(kJobA) + "  - cancel-collection: {user: \"100\", works: w4}\n");
    EXPECT_EQ(cli({"submit", changed}), 65);
    EXPECT_EQ(err, changed +
                       ": job 'job-a' was already submitted as job 1 with different content; "
                       "give the changed job a new name\n");
}

TEST_F(QueueCli, DryRunListsCallsAndWritesNothing) {
    auto b = file("b.yaml", kJobB);
    EXPECT_EQ(cli({"submit", "--dry-run", b}), 0);
    EXPECT_EQ(out, "# " + b +
                       ": job job-b, 2 calls\n"
                       "CancelReportShare ReportId=r1 ShareToIds=g1 ShareToType=1\n"
                       "CancelReportShare ReportId=r2 ShareToIds=g1 ShareToType=1\n");
    EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(QueueCli, StatusTasksCancelAndRerun) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(cli({"status", "job-a"}), 0);
    EXPECT_NE(out.find("tasks:        3 (queued 3, running 0, done 0, already absent 0, failed 0, "
                       "cancelled 0)"),
              std::string::npos)
        << out;
    EXPECT_EQ(cli({"cancel", "job-a"}), 0);
    EXPECT_EQ(out, "cancelled 3 queued task(s) of job job-a\n");
    EXPECT_EQ(cli({"tasks", "job-a", "--state", "cancelled"}), 0);
    EXPECT_NE(out.find("cancelled"), std::string::npos);
    EXPECT_EQ(cli({"rerun", "job-a"}), 0);
    EXPECT_EQ(out, "nothing to rerun in job job-a\n");  // failed is the default state
    EXPECT_EQ(cli({"rerun", "job-a", "--state", "cancelled"}), 0);
    EXPECT_EQ(out,
              "requeued 3 task(s) of job job-a (attempt history kept); run qbi-runner run to "
              "work them\n");
    EXPECT_EQ(cli({"--json", "tasks", "job-a", "--state", "queued"}), 0);
    EXPECT_NE(out.find("\"state\":\"queued\""), std::string::npos);
}

// Failed tasks rerun by code; the attempt history stays.
TEST_F(QueueCli, RerunByCode) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    {
        auto store = queue::Store::open(db(), SystemClock::instance());
        ASSERT_TRUE(store);
        auto claimed = store->claim("o", 3, 60000);
        ASSERT_TRUE(claimed);
        std::vector<queue::TaskResult> results;
        for (std::size_t i = 0; i < claimed->size(); ++i) {
            queue::TaskResult r;
            r.task_id = (*claimed)[i].task_id;
            r.owner = "o";
            r.attempt.outcome = Outcome::Permanent;
            r.attempt.code = i == 0 ? "User.Not.In.Organization" : "Invalid.Parameter";
            results.push_back(r);
        }
        ASSERT_TRUE(store->record_results(results));
    }
    EXPECT_EQ(cli({"rerun", "job-a", "--code", "Invalid.Parameter"}), 0);
    EXPECT_EQ(out,
              "requeued 2 task(s) of job job-a (attempt history kept); run qbi-runner run to "
              "work them\n");
    EXPECT_EQ(cli({"audit", "export", "--format", "csv"}), 0);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);  // header + 3 attempts
    EXPECT_EQ(cli({"audit", "verify"}), 0);
    EXPECT_NE(out.find("audit chain intact: 3 attempt row(s)"), std::string::npos) << out;
    EXPECT_EQ(cli({"audit", "export", "--format", "jsonl", "--job", "job-a"}), 0);
    EXPECT_NE(out.find("\"code\":\"User.Not.In.Organization\""), std::string::npos);
}

TEST_F(QueueCli, UnknownJobAndBadOptions) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(cli({"status", "nope"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: no job named 'nope' (see qbi-runner status)\n");
    EXPECT_EQ(cli({"tasks", "job-a", "--state", "done"}), 64);
    EXPECT_EQ(cli({"rerun"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: rerun needs one job, or --all\n");
    EXPECT_EQ(cli({"rerun", "--all", "--state", "succeeded"}), 64);
    EXPECT_EQ(cli({"audit", "export", "--format", "xml"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: --format: expected jsonl or csv, got 'xml'\n");
    EXPECT_EQ(cli({"audit", "export", "--since", "yesterday"}), 64);
    EXPECT_EQ(cli({"submit", "--dryrun", a}), 64);
    EXPECT_EQ(err, "qbi-runner: error: unknown option '--dryrun'; did you mean '--dry-run'?\n");
}

// A tampered audit row (rewritten through the raw file with the triggers dropped) is found.
TEST_F(QueueCli, AuditVerifyNamesTheFirstBrokenRow) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    {
        auto store = queue::Store::open(db(), SystemClock::instance());
        auto claimed = store->claim("o", 3, 60000);
        std::vector<queue::TaskResult> results;
        for (const auto& t : *claimed) {
            queue::TaskResult r;
            r.task_id = t.task_id;
            r.owner = "o";
            r.attempt.outcome = Outcome::Done;
            results.push_back(r);
        }
        ASSERT_TRUE(store->record_results(results));
        auto& raw = store->raw_connection();
        SQLite::Statement triggers(
            raw, "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='attempts'");
        std::vector<std::string> names;
        while (triggers.executeStep()) names.push_back(triggers.getColumn(0).getString());
        triggers.reset();
        for (const auto& n : names) raw.exec("DROP TRIGGER " + n);
        raw.exec("UPDATE attempts SET code = 'forged' WHERE id = 2");
    }
    EXPECT_EQ(cli({"audit", "verify"}), 65);
    EXPECT_EQ(err.rfind("qbi-runner: error: audit chain broken at attempt row 2: ", 0), 0u) << err;
}

// Records one answer per queued task of the file's job (claim order) with these outcomes and
// codes, as a runner would.
void record_all(const std::string& db, Outcome outcome,
                const std::vector<std::pair<std::string, std::string>>& code_and_message = {}) {
    auto store = queue::Store::open(db, SystemClock::instance());
    ASSERT_TRUE(store) << store.error().message;
    auto claimed = store->claim("o", 100, 60000);
    ASSERT_TRUE(claimed);
    std::vector<queue::TaskResult> results;
    for (std::size_t i = 0; i < claimed->size(); ++i) {
        queue::TaskResult r;
        r.task_id = (*claimed)[i].task_id;
        r.owner = "o";
        r.attempt.outcome = outcome;
        if (i < code_and_message.size()) {
            r.attempt.code = code_and_message[i].first;
            r.attempt.message = code_and_message[i].second;
            r.attempt.request_id = code_and_message[i].first;
        }
        results.push_back(r);
    }
    ASSERT_TRUE(store->record_results(results));
}

// Commands that do not enqueue never create the database: a typo in --db is 66, naming the
// path, and leaves no file behind.
TEST_F(QueueCli, CommandsOnAMissingDatabaseExit66) {
    const std::string msg = "qbi-runner: error: database " + db() +
                            " does not exist; check --db or queue.database (submit creates it)\n";
    for (std::vector<std::string> args : {std::vector<std::string>{"status"},
                                          {"status", "job-a"},
                                          {"tasks", "job-a"},
                                          {"audit", "verify"},
                                          {"audit", "export"},
                                          {"rerun", "--all"},
                                          {"cancel", "job-a"}}) {
        SCOPED_TRACE(args[0]);
        EXPECT_EQ(cli(args), 66);
        EXPECT_EQ(err, msg);
        EXPECT_EQ(out, "");
    }
    EXPECT_FALSE(std::filesystem::exists(db()));
}

// A database the user may only read (chmod 0444, or a 0555 folder; root included, who would
// otherwise write anyway) is read read-only: status, tasks and audit work and nothing is
// written; rerun and cancel fail as writes. One that needs a migration says how to do it.
TEST_F(QueueCli, ReadCommandsWorkOnAReadOnlyDatabase) {
    ASSERT_EQ(cli({"submit", file("a.yaml", kJobA)}), 0);
    record_all(db(), Outcome::Done);
    namespace fs = std::filesystem;
    const auto mtime = fs::last_write_time(db());
    auto check_reads = [&] {
        EXPECT_EQ(cli({"status", "job-a"}), 0) << err;
        EXPECT_NE(out.find("done 3"), std::string::npos) << out;
        EXPECT_EQ(cli({"tasks", "job-a"}), 0) << err;
        EXPECT_EQ(cli({"audit", "verify"}), 0) << err;
        EXPECT_EQ(out.rfind("audit chain intact: 3 attempt row(s)", 0), 0u) << out;
        EXPECT_EQ(cli({"audit", "export"}), 0) << err;
        EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3);
        EXPECT_EQ(cli({"cancel", "job-a"}), 74);
        EXPECT_NE(err.find("readonly database"), std::string::npos) << err;
    };
    fs::permissions(db(), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    check_reads();
    fs::permissions(db(), fs::perms::owner_read | fs::perms::owner_write);
    // The folder read-only, and no -wal left by a writer: nothing may be created in it.
    const auto folder = dir / "ro";
    fs::create_directory(folder);
    fs::rename(db(), folder / "q.db");
    for (const char* f : {"-wal", "-shm"}) fs::remove(db() + f);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    auto ro_cli = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{"--db", (folder / "q.db").string()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = test::run_cli(argv, env_from_map({{"HOME", dir.path().string()}}));
        out = r.out;
        err = r.err;
        return r.code;
    };
    EXPECT_EQ(ro_cli({"status", "job-a"}), 0) << err;
    EXPECT_NE(out.find("done 3"), std::string::npos) << out;
    EXPECT_EQ(ro_cli({"audit", "verify"}), 0) << err;
    EXPECT_EQ(ro_cli({"tasks", "job-a"}), 0) << err;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(folder)) files.push_back(e.path().filename());
    EXPECT_EQ(files, std::vector<std::string>{"q.db"});
    EXPECT_EQ(fs::last_write_time(folder / "q.db"), mtime);
    fs::permissions(folder, fs::perms::owner_all);

    // An older schema, read-only: refused with the way out; the file stays at version 3.
    {
        queue::StoreOptions o;
        o.migrate_up_to = 3;
        ASSERT_TRUE(queue::Store::open(dir / "old.db", SystemClock::instance(), o));
    }
    fs::permissions(dir / "old.db", fs::perms::owner_read);
    auto r = test::run_cli({"--db", (dir / "old.db").string(), "status"},
                           env_from_map({{"HOME", dir.path().string()}}));
    EXPECT_EQ(r.code, 74);
    EXPECT_EQ(r.err, "qbi-runner: error: database " + (dir / "old.db").string() +
                         " has schema version 3 but this qbi-runner needs " +
                         std::to_string(queue::latest_schema_version()) +
                         ", and it can only be read here (the file or its folder is not "
                         "writable); run qbi-runner once with write access to it to migrate\n");
}

// Server-supplied text that a spreadsheet would evaluate (= + - @ tab CR first) is exported
// with a leading quote in CSV, and exactly in JSONL.
TEST_F(QueueCli, CsvExportNeutralisesFormulaCells) {
    const char* job =
        "version: 1\njob: job-f\ntasks:\n"
        "  - cancel-collection: {user: \"100\", works: [w1, w2, w3, w4, w5, w6]}\n";
    ASSERT_EQ(cli({"submit", file("f.yaml", job)}), 0);
    record_all(db(), Outcome::Permanent,
               {{"=HYPERLINK(\"http://x\")", "=1+1"},
                {"+SUM(A1)", "+1"},
                {"-2+3", "-"},
                {"@cmd", "@SUM(1)"},
                {"\tTab", "\rCR"},
                {"Plain.Code", "a, b"}});
    ASSERT_EQ(cli({"audit", "export", "--format", "csv"}), 0);
    std::istringstream lines(out);
    std::string line;
    std::getline(lines, line);  // header
    std::vector<std::string> got;
    while (std::getline(lines, line)) got.push_back(line);
    ASSERT_EQ(got.size(), 6u);
    auto has = [&](std::size_t i, const std::string& cells) {
        EXPECT_NE(got[i].find(cells), std::string::npos) << got[i];
    };
    // request_id,code,message (the fixture sets request_id to the code)
    has(0, "\"'=HYPERLINK(\"\"http://x\"\")\",\"'=HYPERLINK(\"\"http://x\"\")\",'=1+1,");
    has(1, ",'+SUM(A1),'+SUM(A1),'+1,");
    has(2, ",'-2+3,'-2+3,'-,");
    has(3, ",'@cmd,'@cmd,'@SUM(1),");
    has(4, ",'\tTab,'\tTab,\"'\rCR\",");
    has(5, ",Plain.Code,Plain.Code,\"a, b\",");
    ASSERT_EQ(cli({"audit", "export", "--format", "jsonl"}), 0);
    EXPECT_NE(out.find("\"code\":\"=HYPERLINK("), std::string::npos) << out;
    EXPECT_NE(out.find("\"message\":\"-\""), std::string::npos) << out;
}

// audit verify --anchor: the head a runner logged proves the rows up to it unchanged; a
// rewritten and rehashed log, or one cut short, fails with 65; bad anchors are usage errors.
TEST_F(QueueCli, AuditVerifyChecksAnAnchor) {
    ASSERT_EQ(cli({"submit", file("a.yaml", kJobA)}), 0);
    record_all(db(), Outcome::Done);
    queue::AuditHead head;
    {
        auto store = queue::Store::open(db(), SystemClock::instance());
        head = store->audit_head().value();
    }
    const std::string anchor = std::to_string(head.rows) + ":" + head.hash;
    EXPECT_EQ(cli({"audit", "verify", "--anchor", anchor}), 0) << err;
    EXPECT_EQ(out, "audit chain intact: 3 attempt row(s), head " + head.hash +
                       "; extends the anchor " + anchor +
                       "; task states agree with their attempt rows\n");
    EXPECT_EQ(cli({"audit", "verify", "--anchor", "3:" + std::string(64, 'f')}), 65);
    EXPECT_EQ(err, "qbi-runner: error: audit chain broken at attempt row 3: row 3 has hash " +
                       head.hash + ", not the anchor's " + std::string(64, 'f') +
                       ": the log was rewritten up to that row since the anchor was noted\n");
    EXPECT_EQ(cli({"audit", "verify", "--anchor", "3 " + head.hash}), 64);
    EXPECT_EQ(err,
              "qbi-runner: error: --anchor: expected ROWS:HASH as a runner logged it (\"audit "
              "head: ROWS HASH\"), got '3 " +
                  head.hash + "'\n");
    EXPECT_EQ(cli({"audit", "export", "--anchor", anchor}), 64);
    {
        SQLite::Database raw(db(), SQLite::OPEN_READWRITE);
        raw.exec("DROP TRIGGER attempts_no_delete");
        raw.exec("DELETE FROM attempts WHERE id = 3");
        raw.exec("UPDATE tasks SET state = 'queued', outcome = NULL, attempts = 0 WHERE id = 3");
    }
    EXPECT_EQ(cli({"audit", "verify"}), 0) << err;  // shorter, consistent, intact
    EXPECT_EQ(cli({"audit", "verify", "--anchor", anchor}), 65);
    EXPECT_EQ(err,
              "qbi-runner: error: audit chain broken at attempt row 3: the log ends at row 2 but "
              "the anchor names row 3: rows were cut from the end (or the anchor is not of this "
              "database)\n");
    // A task whose state its rows contradict.
    {
        SQLite::Database raw(db(), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE tasks SET state = 'queued', outcome = NULL WHERE id = 2");
    }
    EXPECT_EQ(cli({"audit", "verify"}), 65);
    EXPECT_EQ(err,
              "qbi-runner: error: audit log and task states disagree: task 2 is queued but its "
              "last attempt row (2) says done\n");
}

// A keyed log (audit.key_file, or the service credential audit-key): the runner keys its rows,
// refuses to append to a keyed log without the key, and verify needs the key; the key's bytes
// are never shown.
TEST_F(QueueCli, AuditKeyKeysTheRowsAndVerifyNeedsIt) {
    const std::string secret = "k3y-0f-the-aud1t-log-9f8e7d6c5b4a";
    const std::string key = file("audit.key", secret + "\n");
    ASSERT_EQ(cli({"submit", file("a.yaml", kJobA)}), 0);
    Clock& clock = SystemClock::instance();  // the tasks are due now
    RandomNonceSource nonces;
    app::ApiSetup preset;
    app::Config config;
    config.database = db();
    config.audit_key_file = key;
    {
        app::RunnerSession session(clock, nonces);
        ASSERT_TRUE(session.open(config, env_from_map({}), {}, &preset));
        auto claimed = session.store().claim("o", 100, 60000);
        ASSERT_TRUE(claimed);
        ASSERT_EQ(claimed->size(), 3u);
        std::vector<queue::TaskResult> results;
        for (const auto& t : *claimed) results.push_back({t.task_id, "o", {}, std::nullopt});
        ASSERT_TRUE(session.store().record_results(results));
    }
    std::string all;
    EXPECT_EQ(cli({"audit", "verify"}), 78);
    all += out + err;
    EXPECT_EQ(err,
              "qbi-runner: error: cannot verify attempt row 1: the row is keyed (HMAC-SHA256): "
              "verifying it needs the audit key (audit.key_file, or audit verify --key-file "
              "FILE)\n");
    EXPECT_EQ(cli({"audit", "verify", "--key-file", key}), 0) << err;
    all += out + err;
    EXPECT_EQ(out.substr(0, 85),
              "audit chain intact: 3 attempt row(s) (3 keyed under the audit key, from row 1), "
              "head ");
    const std::string ini = file("runner.ini", "[audit]\nkey_file = " + key + "\n");
    EXPECT_EQ(cli({"--config", ini, "audit", "verify", "--json"}), 0) << err;
    all += out + err;
    EXPECT_NE(out.find("\"keyed_rows\":3"), std::string::npos) << out;
    // The evidence report checks the keyed chain with the configured key.
    EXPECT_EQ(cli({"--config", ini, "report", "job-a", "--format", "md"}), 0) << err;
    all += out + err;
    EXPECT_NE(out.find("Audit proof: **intact**"), std::string::npos) << out;

    // A runner without the key would break the log: refused before anything is written.
    app::Config keyless = config;
    keyless.audit_key_file.clear();
    app::RunnerSession session(clock, nonces);
    auto opened = session.open(keyless, env_from_map({}), {}, &preset);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, kExitConfig);
    EXPECT_EQ(opened.error().message,
              "the audit log is keyed (its last row, 3, is an HMAC under the audit key) and no "
              "key is configured: set audit.key_file (or give the service the credential "
              "audit-key) to the key it was written with; rows written without it would break "
              "the log");
    // The service credential stands for audit.key_file.
    test::TempDir creds;
    creds.write("audit-key", secret);
    auto cfg = app::load_configuration(
        {}, env_from_map({{"CREDENTIALS_DIRECTORY", creds.path().string()}}));
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->audit_key_file, (creds / "audit-key").string());

    // A key too short to be one, and a wrong key: named, never shown.
    const std::string short_key = file("short.key", "abc\n");
    EXPECT_EQ(cli({"audit", "verify", "--key-file", short_key}), 78);
    EXPECT_EQ(err, "qbi-runner: error: audit key " + short_key +
                       ": 3 bytes; an audit key needs at least 16 (make one with: head -c 32 "
                       "/dev/urandom > FILE; chmod 0400 FILE)\n");
    EXPECT_EQ(cli({"audit", "verify", "--key-file", file("wrong.key", "another-key-of-16-bytes")}),
              65);
    all += out + err;
    EXPECT_EQ(err,
              "qbi-runner: error: audit chain broken at attempt row 1: hash does not match the "
              "row's content under the audit key (the row was changed, or the key is not the one "
              "it was written with)\n");
    EXPECT_EQ(cli({"audit", "export", "--key-file", key}), 64);
    EXPECT_EQ(cli({"audit", "export"}), 0);
    all += out + err;
    EXPECT_EQ(all.find(secret), std::string::npos);
    EXPECT_EQ(test::read_file(db()).find(secret), std::string::npos);
}

// The runners' audit head: logged at the end of every run (force) and, from the ticks, once
// 10 minutes of clock time have passed since the last one, never more often.
TEST(AuditHeadLog, LoggedAtTheEndAndEveryTenMinutes) {
    test::TempDir dir;
    ManualClock clock;
    RandomNonceSource nonces;
    app::Config config;
    config.database = (dir / "q.db").string();
    app::RunnerSession session(clock, nonces);
    app::ApiSetup preset;
    std::vector<std::string> lines;
    log::set_sink([&](log::Level, std::string_view m) { lines.emplace_back(m); });
    ASSERT_TRUE(session.open(config, env_from_map({}), {}, &preset));
    lines.clear();
    const std::string empty = "audit head: 0 " + std::string(queue::kGenesisHash);
    session.log_audit_head(false);  // the period starts
    clock.advance_ms(10 * 60 * 1000 - 1);
    session.log_audit_head(false);
    EXPECT_TRUE(lines.empty());
    clock.advance_ms(1);
    session.log_audit_head(false);
    EXPECT_EQ(lines, std::vector<std::string>{empty});
    clock.advance_ms(60 * 1000);
    session.log_audit_head(false);
    EXPECT_EQ(lines.size(), 1u);
    session.log_audit_head(true);  // the end of a run
    EXPECT_EQ(lines, (std::vector<std::string>{empty, empty}));
    log::set_sink(nullptr);
}

}  // namespace
}  // namespace qbi::cli
