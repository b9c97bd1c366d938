// The queue's schema: migrations from an empty file and from every earlier version, refusal
// of newer or foreign databases, connection settings, CHECK constraints and the claim plan.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "runner/queue/audit.h"
#include "runner/queue/migrations.h"
#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

using SchemaTest = QueueTest;

int pragma_int(SQLite::Database& db, const char* name) {
    return db.execAndGet(std::string("PRAGMA ") + name).getInt();
}

// A fresh file: the folder is created, every migration applied, and the connection set up
// as design §4 asks (WAL, FULL, foreign keys, a busy timeout).
TEST_F(SchemaTest, MigratesAnEmptyFileToTheNewestVersion) {
    ASSERT_TRUE(store_);
    EXPECT_TRUE(std::filesystem::exists(db_path()));
    EXPECT_EQ(store_->schema_version(), latest_schema_version());
    EXPECT_EQ(latest_schema_version(), 6);
    SQLite::Database& db = store_->raw_connection();
    EXPECT_EQ(pragma_int(db, "user_version"), 6);
    EXPECT_EQ(pragma_int(db, "application_id"), kApplicationId);
    EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
    EXPECT_EQ(pragma_int(db, "synchronous"), 2);  // FULL
    EXPECT_EQ(pragma_int(db, "foreign_keys"), 1);
    EXPECT_EQ(pragma_int(db, "busy_timeout"), 5000);
    for (const char* table : {"jobs", "tasks", "attempts", "job_counts"})
        EXPECT_TRUE(db.tableExists(table)) << table;
}

// synchronous=NORMAL and the busy timeout come from the options.
TEST_F(SchemaTest, HonoursSynchronousNormalAndBusyTimeout) {
    store_.reset();
    auto s = open_store(StoreOptions{Synchronous::Normal, 1234, -1});
    ASSERT_TRUE(s);
    EXPECT_EQ(pragma_int(s->raw_connection(), "synchronous"), 1);
    EXPECT_EQ(pragma_int(s->raw_connection(), "busy_timeout"), 1234);
}

// The embedded SQL is exactly migrations/*.sql, in order, numbered 1..N without gaps: the
// files stay the single source of truth.
TEST(Migrations, EmbeddedCopiesMatchTheFilesInTheSourceTree) {
    std::vector<std::filesystem::path> files;
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(QBI_TEST_SOURCE_DIR) + "/migrations"))
        if (e.path().extension() == ".sql") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    const auto& embedded = embedded_migrations();
    ASSERT_EQ(embedded.size(), files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(embedded[i].version, static_cast<int>(i + 1));
        EXPECT_EQ(embedded[i].file_name, files[i].filename().string());
        EXPECT_EQ(embedded[i].sql, qbi::test::read_file(files[i])) << files[i];
    }
}

// Fills a database at schema version `version` with one job whose tasks sit in every state,
// using only the tables that version has (as an older qbi-runner would have written them).
void fill_at_version(SQLite::Database& db, int version) {
    db.exec(
        "INSERT INTO jobs (id, name, content_hash, max_attempts, submitted_at) "
        "VALUES (1, 'old-job', 'h', 3, 1)");
    db.exec(
        "INSERT INTO tasks (id, job_id, task_key, action, params, state, outcome, attempts, "
        "max_attempts, next_run_at, created_at, updated_at, last_code) VALUES "
        "(1, 1, 'k1', 'CancelCollection', '{\"WorksId\":\"a\"}', 'queued', NULL, 0, 3, 1, 1, 1, "
        "NULL), "
        "(2, 1, 'k2', 'CancelCollection', '{\"WorksId\":\"b\"}', 'succeeded', 'done', 1, 3, 1, 1, "
        "1, NULL), "
        "(3, 1, 'k3', 'CancelCollection', '{\"WorksId\":\"c\"}', 'succeeded', 'already_absent', "
        "1, 3, 1, 1, 1, 'Report.NotExist.Error'), "
        "(4, 1, 'k4', 'CancelCollection', '{\"WorksId\":\"d\"}', 'failed', NULL, 1, 3, 1, 1, 1, "
        "'Some.Error'), "
        "(5, 1, 'k5', 'CancelCollection', '{\"WorksId\":\"e\"}', 'cancelled', NULL, 0, 3, 1, 1, "
        "1, NULL)");
    // From version 3 on, Store::submit kept the per-job counts of inserted tasks.
    if (version >= 3)
        db.exec(
            "UPDATE job_counts SET queued = 1, done = 1, already_absent = 1, failed = 1, "
            "cancelled = 1 WHERE job_id = 1");
    if (version >= 2) {
        AttemptRow r;
        r.id = 1;
        r.job_id = 1;
        r.task_id = 2;
        r.attempt = 1;
        r.action = "CancelCollection";
        r.params_json = "{\"WorksId\":\"b\"}";
        r.record.started_at_ms = 1;
        r.record.outcome = Outcome::Done;
        r.recorded_at = 2;
        r.prev_hash = std::string(kGenesisHash);
        r.hash = chain_hash(r.prev_hash, r);
        SQLite::Statement s(db,
                            "INSERT INTO attempts (id, job_id, task_id, attempt, action, params, "
                            "started_at, latency_ms, outcome, recorded_at, prev_hash, hash) "
                            "VALUES (1, 1, 2, 1, ?, ?, 1, 0, 'done', 2, ?, ?)");
        s.bind(1, r.action);
        s.bind(2, r.params_json);
        s.bind(3, r.prev_hash);
        s.bind(4, r.hash);
        s.exec();
    }
}

// Every earlier version, holding data, migrates to the newest: the data survives, the per-job
// counts are backfilled, the audit chain verifies and the queue works.
TEST_F(SchemaTest, MigratesFromEachEarlierVersionKeepingData) {
    store_.reset();
    for (int k = 1; k < latest_schema_version(); ++k) {
        SCOPED_TRACE("from version " + std::to_string(k));
        auto path = dir_ / ("v" + std::to_string(k) + ".db");
        {
            auto old = Store::open(path, clock_, StoreOptions{Synchronous::Full, 5000, k});
            ASSERT_TRUE(old) << old.error().message;
            EXPECT_EQ(old->schema_version(), k);
            fill_at_version(old->raw_connection(), k);
        }
        auto s = Store::open(path, clock_);
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(s->schema_version(), latest_schema_version());
        auto job = must(s->find_job("old-job"));
        ASSERT_TRUE(job);
        EXPECT_EQ(job->counts, (TaskCounts{1, 0, 1, 1, 1, 1}));
        EXPECT_EQ(job->state(), JobState::Queued);
        auto verdict = must(s->verify_audit_chain());
        EXPECT_TRUE(verdict.ok) << verdict.reason;
        EXPECT_EQ(verdict.rows, k >= 2 ? 1 : 0);
        auto claimed = must(s->claim("runner-1", 10, 60000));
        ASSERT_EQ(claimed.size(), 1u);
        EXPECT_EQ(claimed[0].task_id, 1);
        EXPECT_EQ(claimed[0].params.at("WorksId"), "a");
        EXPECT_EQ(must(s->totals()), (TaskCounts{0, 1, 1, 1, 1, 1}));
    }
}

// A database written by a newer qbi-runner is refused with exit 78 and left as it is.
TEST_F(SchemaTest, RefusesADatabaseNewerThanTheBinary) {
    store_->raw_connection().exec("PRAGMA user_version = 9");
    store_.reset();
    auto s = Store::open(db_path(), clock_);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, kExitConfig);
    EXPECT_EQ(s.error().message, "database " + db_path().string() +
                                     " has schema version 9 but this qbi-runner knows up to 6; "
                                     "upgrade qbi-runner");
    SQLite::Database raw(db_path());
    EXPECT_EQ(pragma_int(raw, "user_version"), 9);
}

// Some other application's SQLite file is not taken over.
TEST_F(SchemaTest, RefusesAForeignSqliteFile) {
    auto path = dir_ / "other.db";
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE notes (text TEXT)");
    }
    auto s = Store::open(path, clock_);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, kExitConfig);
    EXPECT_EQ(s.error().message, "database " + path.string() +
                                     " is not a qbi-runner queue (it has tables but no schema "
                                     "version)");

    auto path2 = dir_ / "other2.db";
    {
        SQLite::Database db(path2, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("PRAGMA application_id = 42");
    }
    auto s2 = Store::open(path2, clock_);
    ASSERT_FALSE(s2);
    EXPECT_EQ(s2.error().message,
              "database " + path2.string() + " is not a qbi-runner queue (application_id 42)");
}

// A migration that fails is rolled back whole and named; the earlier ones stay applied.
TEST_F(SchemaTest, AFailingMigrationIsRolledBackAndNamed) {
    store_.reset();
    auto path = dir_ / "broken.db";
    {
        auto old = Store::open(path, clock_, StoreOptions{Synchronous::Full, 5000, 2});
        ASSERT_TRUE(old);
        // Something in the way of migration 3.
        old->raw_connection().exec("CREATE TABLE job_counts (x INTEGER)");
    }
    auto s = Store::open(path, clock_);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, kExitSoftware);
    EXPECT_EQ(s.error().message, "database " + path.string() +
                                     ": migration 0003_job_counts.sql failed: table job_counts "
                                     "already exists");
    SQLite::Database raw(path);
    EXPECT_EQ(pragma_int(raw, "user_version"), 2);
    EXPECT_FALSE(raw.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = "
                                "'tasks_count_update'")
                     .getInt());
}

// The database cannot be created where a file is in the way: an I/O error (74).
TEST_F(SchemaTest, ReportsAnUncreatableLocationAsIoError) {
    auto blocker = dir_.write("blocker", "not a folder");
    auto s = Store::open(blocker / "queue.db", clock_);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, kExitIoErr);
    EXPECT_EQ(s.error().message.rfind("database " + (blocker / "queue.db").string() + ": ", 0), 0u)
        << s.error().message;
}

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
}

// Under umask 022 a new queue is private: folder 0700, database, -wal and -shm 0600.
TEST(SchemaFiles, ANewQueueIsPrivateWhateverTheUmask) {
    qbi::test::TempDir dir;
    ManualClock clock;
    const mode_t old = ::umask(022);
    auto s = Store::open(dir / "state/qbi/queue.db", clock);
    ::umask(old);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE(s->submit(make_job("j", 1)));  // the -wal and -shm exist while it is open
    EXPECT_EQ(mode_of(dir / "state"), 0700u);
    EXPECT_EQ(mode_of(dir / "state/qbi"), 0700u);
    for (const char* f : {"queue.db", "queue.db-wal", "queue.db-shm"})
        EXPECT_EQ(mode_of(dir / "state/qbi" / f), 0600u) << f;
}

// Access::Existing and the read-only modes never create a file: a missing one is 66.
TEST(SchemaFiles, AMissingDatabaseIsNotCreatedUnlessAsked) {
    qbi::test::TempDir dir;
    ManualClock clock;
    for (Access a : {Access::Existing, Access::ReadOnly, Access::ReadOnlyImmutable}) {
        StoreOptions o;
        o.access = a;
        auto s = Store::open(dir / "typo.db", clock, o);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, kExitNoInput);
        EXPECT_EQ(s.error().message, "database " + (dir / "typo.db").string() +
                                         " does not exist; check --db or queue.database (submit "
                                         "creates it)");
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "typo.db"));
}

// Read-only: reads work, writes fail (74), and a database that needs a migration is refused
// with a message saying how to migrate it, and left as it was.
TEST_F(SchemaTest, ReadOnlyOpensReadAndNeverMigrate) {
    must(store_->submit(make_job("j", 2)));
    store_.reset();
    for (Access a : {Access::ReadOnly, Access::ReadOnlyImmutable}) {
        StoreOptions o;
        o.access = a;
        auto ro = open_store(o);
        ASSERT_TRUE(ro);
        EXPECT_EQ(must(ro->jobs()).size(), 1u);
        EXPECT_TRUE(must(ro->verify_audit_chain()).ok);
        auto w = ro->submit(make_job("k", 1));
        ASSERT_FALSE(w);
        EXPECT_EQ(w.error().code, kExitIoErr);
    }
    auto old_path = dir_ / "old.db";
    {
        StoreOptions o;
        o.migrate_up_to = 3;
        ASSERT_TRUE(Store::open(old_path, clock_, o));
    }
    StoreOptions o;
    o.access = Access::ReadOnly;
    auto s = Store::open(old_path, clock_, o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, kExitIoErr);
    EXPECT_EQ(s.error().message,
              "database " + old_path.string() + " has schema version 3 but this qbi-runner needs " +
                  std::to_string(latest_schema_version()) +
                  ", and it can only be read here (the file or its folder is not writable); run "
                  "qbi-runner once with write access to it to migrate");
    SQLite::Database raw(old_path.string());
    EXPECT_EQ(pragma_int(raw, "user_version"), 3);
}

// The CHECK constraints refuse incoherent task rows whatever writes them.
TEST_F(SchemaTest, CheckConstraintsRefuseIncoherentTaskRows) {
    must(store_->submit(make_job("j", 1)));
    SQLite::Database& db = store_->raw_connection();
    auto refused = [&](const char* sql) {
        try {
            db.exec(sql);
        } catch (const SQLite::Exception& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(refused("UPDATE tasks SET state = 'paused'"),
              "CHECK constraint failed: state IN ('queued', 'running', 'succeeded', 'failed', "
              "'cancelled')");
    EXPECT_EQ(refused("UPDATE tasks SET state = 'succeeded'"),
              "CHECK constraint failed: (state = 'succeeded') = (outcome IS NOT NULL)");
    EXPECT_EQ(refused("UPDATE tasks SET outcome = 'gone'"),
              "CHECK constraint failed: outcome IN ('done', 'already_absent')");
    EXPECT_EQ(refused("UPDATE tasks SET state = 'running'"),
              "CHECK constraint failed: (state = 'running') = (lease_owner IS NOT NULL)");
    EXPECT_EQ(refused("UPDATE tasks SET attempts = 4"),
              "CHECK constraint failed: attempts BETWEEN 0 AND max_attempts");
    EXPECT_EQ(refused("UPDATE tasks SET job_id = 99"), "a task cannot move to another job");
    EXPECT_EQ(refused("INSERT INTO tasks (job_id, task_key, action, params, max_attempts, "
                      "next_run_at, created_at, updated_at) VALUES (42, 'k', 'A', '{}', 1, 0, 0, "
                      "0)"),
              "FOREIGN KEY constraint failed");
}

// "Next due task" is O(log n): the claim walks the partial index of queued tasks, never a
// sort over all of them.
TEST_F(SchemaTest, ClaimQueriesUseThePartialDueIndexes) {
    SQLite::Database& db = store_->raw_connection();
    auto plan = [&](const std::string& sql) {
        SQLite::Statement s(db, "EXPLAIN QUERY PLAN " + sql);
        std::string out;
        while (s.executeStep()) out += s.getColumn(3).getString() + "\n";
        return out;
    };
    EXPECT_EQ(plan("SELECT id FROM tasks INDEXED BY tasks_due WHERE state = 'queued' AND "
                   "next_run_at <= 5 ORDER BY next_run_at, id LIMIT 8"),
              "SEARCH tasks USING INDEX tasks_due (next_run_at<?)\n");
    EXPECT_EQ(plan("SELECT id FROM tasks INDEXED BY tasks_job_due WHERE state = 'queued' AND "
                   "job_id = 1 AND next_run_at <= 5 ORDER BY next_run_at, id LIMIT 8"),
              "SEARCH tasks USING INDEX tasks_job_due (job_id=? AND next_run_at<?)\n");
}

}  // namespace
}  // namespace qbi::queue::test
