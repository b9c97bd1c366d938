// The audit log (design §6): rows cannot be updated or deleted, the hash chain verifies, and
// tampering with the file behind the triggers' back is found and located.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "runner/queue/audit.h"
#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

class AuditTest : public QueueTest {
protected:
    // Two jobs, five attempts: job a gets rows 1-3 (started at T0, T0+1000, T0+2000), job b
    // rows 4-5.
    void SetUp() override {
        QueueTest::SetUp();
        store_->set_audit_key(key());
        a_ = must(store_->submit(make_job("a", 3))).job_id;
        b_ = must(store_->submit(make_job("b", 2))).job_id;
        for (int i = 0; i < 5; ++i) {
            auto c = must(store_->claim("r", 1, 1000));
            ASSERT_EQ(c.size(), 1u);
            TaskResult r = result(c[0], "r", Outcome::Done);
            r.attempt.started_at_ms = clock_.wall_ms();
            r.attempt.request_id = "req-" + std::to_string(i + 1);
            must(store_->record_results({r}));
            clock_.advance_ms(1000);
        }
    }

    std::string refused(const std::string& sql) {
        try {
            store_->raw_connection().exec(sql);
        } catch (const SQLite::Exception& e) {
            return e.what();
        }
        return "accepted";
    }

    // Tampering as an attacker with file access would: without the guard triggers.
    void drop_guards() {
        store_->raw_connection().exec(
            "DROP TRIGGER attempts_no_update; DROP TRIGGER attempts_no_delete");
    }

    virtual AuditKeyRef key() { return nullptr; }

    std::int64_t a_ = 0, b_ = 0;
};

// UPDATE and DELETE on attempts are refused by the schema itself, whoever issues them.
TEST_F(AuditTest, RowsCannotBeUpdatedOrDeleted) {
    EXPECT_EQ(refused("UPDATE attempts SET message = 'nothing happened' WHERE id = 2"),
              "attempts are append-only");
    EXPECT_EQ(refused("DELETE FROM attempts WHERE id = 5"), "attempts are append-only");
    EXPECT_EQ(refused("DELETE FROM attempts"), "attempts are append-only");
    EXPECT_EQ(all_attempts().size(), 5u);
    EXPECT_EQ(all_attempts()[1].record.request_id, "req-2");
}

// An untouched log verifies; the head hash is the last row's.
TEST_F(AuditTest, AnIntactChainVerifies) {
    auto v = must(store_->verify_audit_chain());
    EXPECT_TRUE(v.ok);
    EXPECT_EQ(v.rows, 5);
    EXPECT_EQ(v.first_bad_id, 0);
    EXPECT_EQ(v.reason, "");
    auto rows = all_attempts();
    EXPECT_EQ(v.head_hash, rows.back().hash);
    EXPECT_EQ(rows[0].prev_hash, kGenesisHash);
    for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i].prev_hash, rows[i - 1].hash);
}

TEST(AuditChain, AnEmptyLogVerifiesWithTheGenesisHead) {
    qbi::test::TempDir dir;
    ManualClock clock;
    auto s = Store::open(dir / "q.db", clock);
    ASSERT_TRUE(s);
    auto v = s->verify_audit_chain();
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok);
    EXPECT_EQ(v->rows, 0);
    EXPECT_EQ(v->head_hash, kGenesisHash);
}

// A changed field is found at its row.
TEST_F(AuditTest, AChangedRowIsFound) {
    drop_guards();
    store_->raw_connection().exec("UPDATE attempts SET outcome = 'permanent' WHERE id = 3");
    auto v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 3);
    EXPECT_EQ(v.rows, 3);
    EXPECT_EQ(v.reason, "hash does not match the row's content");
}

// A deleted row breaks the link of the row after it.
TEST_F(AuditTest, ADeletedRowIsFound) {
    drop_guards();
    store_->raw_connection().exec("DELETE FROM attempts WHERE id = 2");
    auto v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 3);
    EXPECT_EQ(v.reason,
              "prev_hash does not match the hash of row 1 (a row was removed, inserted or "
              "changed before it)");
}

// A row rewritten with a recomputed hash still breaks the next link.
TEST_F(AuditTest, ARehashedRowBreaksTheNextLink) {
    drop_guards();
    auto rows = all_attempts();
    AttemptRow forged = rows[1];
    forged.record.message = "forged";
    forged.hash = chain_hash(forged.prev_hash, forged);
    SQLite::Statement s(store_->raw_connection(),
                        "UPDATE attempts SET message = ?, hash = ? WHERE id = 2");
    s.bind(1, forged.record.message);
    s.bind(2, forged.hash);
    s.exec();
    auto v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 3);
}

// The first row must start from the genesis hash.
TEST_F(AuditTest, TheFirstRowMustStartFromGenesis) {
    drop_guards();
    store_->raw_connection().exec("DELETE FROM attempts WHERE id = 1");
    auto v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 2);
    EXPECT_EQ(v.reason, "prev_hash of the first row is not the genesis hash");
}

// Rewrites every row from `from_id` on as a forger with write access would: the stored row
// changed by `edit` (through the raw file, triggers dropped), then every hash recomputed so
// the chain verifies again without an anchor.
// `key`: the attacker's key for keyed rows (never the real one); `keyed`: what the rewritten
// rows claim to be (unchanged when nullopt).
void rewrite_chain(Store& store, std::int64_t from_id, const std::function<void(AttemptRow&)>& edit,
                   const AuditKey* key = nullptr, std::optional<bool> keyed = std::nullopt) {
    std::vector<AttemptRow> rows;
    auto n = store.for_each_attempt({}, [&](const AttemptRow& r) {
        rows.push_back(r);
        return true;
    });
    if (!n) throw std::runtime_error(n.error().message);
    std::string prev(kGenesisHash);
    for (AttemptRow& r : rows) {
        if (r.id >= from_id) {
            if (r.id == from_id) edit(r);
            r.prev_hash = prev;
            if (keyed) r.keyed = *keyed;
            r.hash = chain_hash(prev, r, key);
            SQLite::Statement s(store.raw_connection(),
                                "UPDATE attempts SET message = ?, request_id = ?, prev_hash = ?, "
                                "hash = ?, keyed = ? WHERE id = ?");
            s.bind(1, r.record.message);
            s.bind(2, r.record.request_id);
            s.bind(3, r.prev_hash);
            s.bind(4, r.hash);
            s.bind(5, r.keyed ? 1 : 0);
            s.bind(6, r.id);
            s.exec();
        }
        prev = r.hash;
    }
}

// The attack the anchor closes: drop the triggers, edit row 2, recompute every hash after it.
// The chain alone says intact; against the head noted before ("audit head: 5 HASH"), and
// against an older head (row 3), the rewrite is found at the anchor's row.
TEST_F(AuditTest, ARecomputedChainFailsAgainstAnAnchor) {
    const AuditHead head = must(store_->audit_head());
    EXPECT_EQ(head.rows, 5);
    EXPECT_EQ(head.hash, all_attempts().back().hash);
    EXPECT_EQ(format_audit_head(head), "5 " + head.hash);
    const AuditHead older{3, all_attempts()[2].hash};
    EXPECT_TRUE(must(store_->verify_audit_chain(head)).ok);
    EXPECT_TRUE(must(store_->verify_audit_chain(older)).ok);

    drop_guards();
    rewrite_chain(*store_, 2, [](AttemptRow& r) { r.record.request_id = "forged"; });
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);  // the chain alone cannot tell
    auto v = must(store_->verify_audit_chain(head));
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 5);
    EXPECT_EQ(v.reason, "row 5 has hash " + all_attempts().back().hash + ", not the anchor's " +
                            head.hash +
                            ": the log was rewritten up to that row since the anchor was noted");
    v = must(store_->verify_audit_chain(older));
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 3);
}

// A keyed chain (audit.key_file): every row an HMAC under the operator's key.
class KeyedAuditTest : public AuditTest {
protected:
    AuditKeyRef key() override { return real_; }
    AuditKeyRef real_ = std::make_shared<const AuditKey>("0123456789abcdef-the-real-key");
};

TEST_F(KeyedAuditTest, KeyedRowsVerifyOnlyWithTheKey) {
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 5u);
    for (const auto& r : rows) EXPECT_TRUE(r.keyed);
    auto v = must(store_->verify_audit_chain());
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_EQ(v.keyed_rows, 5);
    EXPECT_EQ(v.first_keyed_id, 1);
    // The stored hash is the HMAC, not the plain SHA-256 of the same text.
    AttemptRow plain = rows[0];
    plain.keyed = false;
    EXPECT_NE(chain_hash(plain.prev_hash, plain), rows[0].hash);

    store_->set_audit_key(nullptr);  // an auditor without the key cannot vouch for the rows
    v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_TRUE(v.needs_key);
    EXPECT_EQ(v.first_bad_id, 1);
    EXPECT_EQ(v.reason,
              "the row is keyed (HMAC-SHA256): verifying it needs the audit key (audit.key_file, "
              "or audit verify --key-file FILE)");

    store_->set_audit_key(std::make_shared<const AuditKey>("another-key-of-16-bytes"));
    v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_FALSE(v.needs_key);
    EXPECT_EQ(v.first_bad_id, 1);
    EXPECT_EQ(v.reason,
              "hash does not match the row's content under the audit key (the row was changed, "
              "or the key is not the one it was written with)");
}

// The attack the key closes: with write access but not the key, a rewritten row cannot be
// given a hash that verifies, keyed or not; stripping every row of its key leaves a chain
// that says "0 keyed" and fails against any anchor noted before.
TEST_F(KeyedAuditTest, ARewriteWithoutTheKeyIsFound) {
    const AuditHead head = must(store_->audit_head());
    drop_guards();
    const AuditKey guess("a-guessed-key-0000");
    rewrite_chain(
        *store_, 3, [](AttemptRow& r) { r.record.request_id = "forged"; }, &guess);
    auto v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 3);

    // Downgraded from row 3 on: plain SHA-256 after keyed rows.
    rewrite_chain(
        *store_, 3, [](AttemptRow&) {}, nullptr, false);
    v = must(store_->verify_audit_chain());
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 3);
    EXPECT_EQ(v.reason,
              "the row is not keyed but row 1 before it is: it was rewritten without the audit "
              "key");

    // Downgraded from row 1: a plain chain that verifies alone, but says so, and the anchor
    // (an HMAC nobody without the key can reproduce) finds the rewrite.
    rewrite_chain(
        *store_, 1, [](AttemptRow&) {}, nullptr, false);
    v = must(store_->verify_audit_chain());
    EXPECT_TRUE(v.ok);
    EXPECT_EQ(v.keyed_rows, 0);
    v = must(store_->verify_audit_chain(head));
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 5);
}

// Rows cut from the end leave an intact chain; the anchor finds them missing.
TEST_F(AuditTest, RowsCutFromTheEndFailAgainstAnAnchor) {
    const AuditHead head = must(store_->audit_head());
    drop_guards();
    store_->raw_connection().exec("DELETE FROM attempts WHERE id >= 4");
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);
    auto v = must(store_->verify_audit_chain(head));
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_id, 4);
    EXPECT_EQ(v.reason,
              "the log ends at row 3 but the anchor names row 5: rows were cut from the end (or "
              "the anchor is not of this database)");
    // A log that grew since the anchor still extends it.
    const AuditHead early{2, all_attempts()[1].hash};
    EXPECT_TRUE(must(store_->verify_audit_chain(early)).ok);
}

TEST(AuditChain, AnchorsParseAsRowsColonHash) {
    const std::string h(64, 'a');
    auto a = parse_audit_head("12:" + h);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->rows, 12);
    EXPECT_EQ(a->hash, h);
    EXPECT_TRUE(parse_audit_head("0:" + std::string(kGenesisHash)));
    for (std::string bad : {std::string("12 ") + h, "x:" + h, ":" + h, "12:" + h.substr(1),
                            "12:" + std::string(64, 'A'), std::string("12:")})
        EXPECT_FALSE(parse_audit_head(bad)) << bad;
}

// Task states against their attempt rows: an untouched queue agrees; each kind of forgery
// that leaves the chain intact (task rows carry no hash) is named by task.
TEST_F(AuditTest, TaskStatesAreCheckedAgainstTheirAttemptRows) {
    // A retryable row, and a failed task: a's third task gets a permanent row.
    must(store_->submit(make_job("c", 3, "hc")));  // tasks 6, 7 and 8
    auto c = must(store_->claim("r", 2, 1000));
    ASSERT_EQ(c.size(), 2u);
    must(store_->record_results(
        {result(c[0], "r", Outcome::Retryable), result(c[1], "r", Outcome::Permanent)}));
    EXPECT_EQ(must(store_->check_task_states()), "");
    auto& db = store_->raw_connection();
    // Applies a forgery, checks, and undoes it.
    auto mismatch = [&](const std::string& forge, const std::string& undo) {
        db.exec(forge);
        std::string m = must(store_->check_task_states());
        db.exec(undo);
        return m;
    };
    ASSERT_EQ(c[0].task_id, 6);
    ASSERT_EQ(c[1].task_id, 7);
    // A failed task forged as succeeded.
    EXPECT_EQ(mismatch("UPDATE tasks SET state = 'succeeded', outcome = 'done' WHERE id = 7",
                       "UPDATE tasks SET state = 'failed', outcome = NULL WHERE id = 7"),
              "task 7 is succeeded (done) but its last attempt row (7) says permanent");
    // A succeeded task set back to queued (to be sent again).
    EXPECT_EQ(mismatch("UPDATE tasks SET state = 'queued', outcome = NULL WHERE id = 1",
                       "UPDATE tasks SET state = 'succeeded', outcome = 'done' WHERE id = 1"),
              "task 1 is queued but its last attempt row (1) says done");
    // A task with a retryable last row failed before its attempts ran out.
    EXPECT_EQ(mismatch("UPDATE tasks SET state = 'failed' WHERE id = 6",
                       "UPDATE tasks SET state = 'queued' WHERE id = 6"),
              "task 6 is failed but its last attempt row (6) says retryable with 1 of 3 attempts "
              "used");
    // A failed task without any row.
    EXPECT_EQ(mismatch("UPDATE tasks SET state = 'failed' WHERE id = 8",
                       "UPDATE tasks SET state = 'queued' WHERE id = 8"),
              "task 8 is failed but it has no attempt row");
    // Attempts counted without rows.
    EXPECT_EQ(mismatch("UPDATE tasks SET attempts = 3 WHERE id = 6",
                       "UPDATE tasks SET attempts = 1 WHERE id = 6"),
              "task 6 counts 3 attempt(s) but has 1 counted attempt row(s)");
    // A task's call changed after it was made: its rows name other params.
    EXPECT_EQ(mismatch("UPDATE tasks SET params = '{}' WHERE id = 4",
                       "UPDATE tasks SET params = '{\"UserId\":\"u-b\",\"WorksId\":\"w0\"}' "
                       "WHERE id = 4"),
              "attempt row 4 names task 4 but another job, action or params than the task has");
    EXPECT_EQ(must(store_->check_task_states()), "");
}

// Export by job and by start time, in id order, stoppable.
TEST_F(AuditTest, ExportFiltersByJobAndTime) {
    auto collect = [&](AttemptFilter f) {
        std::vector<std::string> ids;
        must(store_->for_each_attempt(f, [&](const AttemptRow& r) {
            ids.push_back(r.record.request_id);
            return true;
        }));
        return ids;
    };
    AttemptFilter by_job;
    by_job.job_id = b_;
    EXPECT_EQ(collect(by_job), (std::vector<std::string>{"req-4", "req-5"}));
    AttemptFilter since;
    since.since_ms = kT0 + 2000;
    EXPECT_EQ(collect(since), (std::vector<std::string>{"req-3", "req-4", "req-5"}));
    since.job_id = a_;
    EXPECT_EQ(collect(since), (std::vector<std::string>{"req-3"}));
    int seen = 0;
    EXPECT_EQ(must(store_->for_each_attempt({}, [&](const AttemptRow&) { return ++seen < 2; })), 2);
}

// The canonical text of audit.h, checked against a hash computed independently (Python's
// hashlib over the documented format), with every escape exercised.
TEST(AuditChain, CanonicalTextAndHashFollowTheDocumentedFormat) {
    AttemptRow r;
    r.id = 7;
    r.job_id = 2;
    r.task_id = 5;
    r.attempt = 3;
    r.action = "CancelReportShare";
    r.params_json = R"({"ReportId":"r\1"})";
    r.record.started_at_ms = 1700000000123;
    r.record.latency_ms = -1;
    r.record.http_status = 503;
    r.record.request_id = "RID-1";
    r.record.code = "Throttling.User";
    r.record.message = "line1\nline2\rend \\ tab\there";
    r.record.outcome = Outcome::Retryable;
    r.record.endpoint = "https://x";
    r.record.signature = "v1";
    r.record.access_key_id = "LTAI****abcd";
    r.recorded_at = 1700000000999;
    r.prev_hash = "ignored";
    r.hash = "ignored";
    EXPECT_EQ(canonical_attempt_text(r),
              "qbi-attempt/1\n7\n2\n5\n3\nCancelReportShare\n{\"ReportId\":\"r\\\\1\"}\n"
              "1700000000123\n-1\n503\nRID-1\nThrottling.User\n"
              "line1\\nline2\\rend \\\\ tab\there\nretryable\nhttps://x\nv1\nLTAI****abcd\n"
              "1700000000999");
    std::string prev;
    for (int i = 0; i < 32; ++i) prev += "ab";
    EXPECT_EQ(chain_hash(prev, r),
              "7bfad81d4bffa2c099cfed69b8a7c62840cdb0d7863e38c03b70b9156eb12a0b");
}

}  // namespace
}  // namespace qbi::queue::test
