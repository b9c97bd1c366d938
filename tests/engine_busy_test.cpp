// Another process holding the queue's write lock longer than the busy timeout (a very large
// submit) must not end a run: the engine keeps its results, claims again shortly, and every
// task still settles exactly once.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/engine_fake_fixture.h"
#include "tests/engine_sim_fixture.h"

namespace qbi::engine::test {
namespace {

TEST_F(EngineSimTest, BusyDatabaseBeyondTheTimeoutIsWaitedOut) {
    auto o = leaver_sim(150, 50);
    o.faults.latency_ms = 5;
    start_sim(o);
    queue::StoreOptions so;
    so.busy_timeout_ms = 50;  // far shorter than the 1.5 s the other writer holds the lock
    store_ = std::make_unique<queue::Store>(
        must(queue::Store::open(dir_ / "queue.db", SystemClock::instance(), so)));
    auto job = submit(leaver_job("busy", 150, 50));

    std::atomic<bool> held{false};
    std::thread other([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        SQLite::Database db((dir_ / "queue.db").string(), SQLite::OPEN_READWRITE);
        db.setBusyTimeout(10000);  // wait for the engine's own short transactions
        db.exec("BEGIN IMMEDIATE");
        held = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        db.exec("COMMIT");
    });
    auto opt = options();
    opt.workers = 4;
    RunReport r = run(opt);
    other.join();
    EXPECT_TRUE(held.load());
    EXPECT_EQ(r.reason, StopReason::Finished) << r.store_error.message;
    auto c = counts(job);
    EXPECT_EQ(c.done, 200);
    EXPECT_EQ(c.running + c.queued + c.failed, 0);
    EXPECT_EQ(attempts().size(), 200u);  // every call recorded exactly once
    EXPECT_EQ(leaver_items(sim_world()), 0u);
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test

namespace qbi::engine::test {
namespace {

// Recovery at start (a SIGHUP reload's new engine) meets a database another process holds
// beyond the busy timeout, e.g. a large CLI submit: it is tried again every 100 ms of clock
// time with the ticks going on (watchdog, signals), and once the other writer commits, the
// dead runner's task is recovered and every task settles. It used to end the run with 75.
TEST_F(EngineFakeTest, RecoveryAtStartWaitsOutABusyDatabase) {
    open_store_with_busy_timeout(10);
    const std::int64_t job = submit("busy-recovery", 3);
    ASSERT_EQ(must(store().claim("dead-runner", 1, 600000)).size(), 1u);
    api_.set_default(FakeReply{qbi::test::done(), 10, false});

    SQLite::Database other((dir_ / "queue.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    int ticks = 0;
    bool released = false;
    RunReport r = run(options(), [&](const Engine&) {
        if (++ticks == 3) {
            other.exec("COMMIT");
            released = true;
        }
    });
    EXPECT_TRUE(released);
    EXPECT_EQ(r.reason, StopReason::Finished) << r.store_error.message;
    EXPECT_EQ(r.recovered, 1);
    EXPECT_GE(r.elapsed_ms, 200);  // two 100 ms waits before the third tick released it
    auto c = counts(job);
    EXPECT_EQ(c.done, 3);
    EXPECT_EQ(c.queued + c.running + c.failed, 0);
}

// A stop while recovery waits ends the run as stopped, not as a store error.
TEST_F(EngineFakeTest, AStopWhileRecoveryWaitsEndsTheRunStopped) {
    open_store_with_busy_timeout(10);
    submit("busy-stop", 2);
    SQLite::Database other((dir_ / "queue.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    int ticks = 0;
    RunReport r = run(options(), [&](const Engine&) {
        if (++ticks == 2) stop_ = true;
    });
    other.exec("COMMIT");
    EXPECT_EQ(r.reason, StopReason::Stopped) << r.store_error.message;
    EXPECT_EQ(ticks, 2);
    EXPECT_TRUE(api_.calls().empty());
}

// journal_slots(workers) slots (engine.h): a worker sends its next call while its last answer
// waits for the commit (here held off by another connection's write lock, taken when the first
// call arrives), and goes on until every slot is held, then sends nothing until the commit
// frees them. Nothing is lost: every task ends done once the lock goes.
TEST_F(EngineFakeTest, AWorkerSendsOnWhileItsAnswerAwaitsTheCommitButNoFurther) {
    open_store_with_busy_timeout(10);
    const int slots = journal_slots(1);
    ASSERT_EQ(slots, 77);  // 1 call out + a group commit of 64 + 12 answering meanwhile
    const std::int64_t job = submit("slots", slots + 2);
    SQLite::Database other((dir_ / "queue.db").string(), SQLite::OPEN_READWRITE);
    const auto journal_path = InFlightJournal::path_for(dir_ / "queue.db");
    std::optional<queue::SentCalls> at_second_call;
    api_.respond([&](const FakeCall& call) -> std::optional<FakeReply> {
        if (call.index == 0) other.exec("BEGIN IMMEDIATE");  // the first answer stays uncommitted
        if (call.index == 1) at_second_call = InFlightJournal::read(journal_path);
        return FakeReply{qbi::test::done(), 1, false};
    });
    EngineOptions o = options();
    o.workers = 1;
    o.claim_batch = 128;  // more tasks at hand than slots: the slots are what stops the worker
    int ticks = 0;
    std::size_t calls_while_locked = 0;
    RunReport r = run(o, [&](const Engine&) {
        if (++ticks == 4) {  // the writer has failed to commit for 300 ms
            calls_while_locked = api_.call_count();
            other.exec("COMMIT");
        }
    });
    EXPECT_EQ(r.reason, StopReason::Finished) << r.store_error.message;
    ASSERT_TRUE(at_second_call);
    EXPECT_EQ(at_second_call->task_ids.size(), 2u);  // the answered call and the one going out
    EXPECT_EQ(calls_while_locked, static_cast<std::size_t>(slots));  // then every slot was held
    auto c = counts(job);
    EXPECT_EQ(c.done, slots + 2);
    EXPECT_EQ(c.queued + c.running + c.failed, 0);
    EXPECT_EQ(api_.call_count(), static_cast<std::size_t>(slots + 2));
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
