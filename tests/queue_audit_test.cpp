// The audit log (design §6): rows cannot be updated or deleted, the hash chain verifies, and
// tampering with the file behind the triggers' back is found and located.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

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
