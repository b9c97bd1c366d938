// Another process holding the queue's write lock longer than the busy timeout (a very large
// submit) must not end a run: the engine keeps its results, claims again shortly, and every
// task still settles exactly once.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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
