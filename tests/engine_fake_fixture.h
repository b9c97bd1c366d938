#pragma once
// Shared setup for the fast engine suites (tests/engine_fake*_test.cpp): the real Engine with
// scripted Callers (tests/support/fake_caller.h) on a ManualClock, and a real SQLite queue file
// in a TempDir (opened on the same clock, synchronous=NORMAL: nothing here survives a power
// cut). Minutes of clock time cost milliseconds: every wait of the engine, its workers and the
// fake goes through the ManualClock, which jumps from one deadline to the next whenever all
// of them wait (runner/core/clock.h).
//
// Jobs are n CancelCollection tasks of user "u-leaver" on works w0..w(n-1).
// Not thread-safe; one per test (the engine's threads use it only through the Engine).
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/engine/engine.h"
#include "runner/queue/store.h"
#include "tests/support/fake_caller.h"
#include "tests/support/temp_dir.h"

namespace qbi::engine::test {

using qbi::test::FakeApi;
using qbi::test::FakeCall;
using qbi::test::FakeReply;

class EngineFakeTest : public ::testing::Test {
protected:
    EngineFakeTest() : api_(clock_) {
#if defined(__SANITIZE_THREAD__)
        // Threads run several times slower: a writer's pass may take longer than the default
        // hold limit, after which the clock would stop waiting for it.
        clock_.set_real_timing(std::chrono::milliseconds(1), std::chrono::milliseconds(500));
#endif
    }

    queue::Store& store() {
        if (!store_) open_store({});
        return *store_;
    }

    // Opens the store with these options (synchronous=NORMAL: the tests need no fsync).
    void open_store(queue::StoreOptions so) {
        so.synchronous = queue::Synchronous::Normal;
        store_ =
            std::make_unique<queue::Store>(must(queue::Store::open(dir_ / "queue.db", clock_, so)));
    }

    // Opens the store (before any use) with a short busy timeout, so that another connection's
    // write lock is met at once rather than after the default 5 s.
    void open_store_with_busy_timeout(int ms) {
        queue::StoreOptions so;
        so.busy_timeout_ms = ms;
        open_store(so);
    }

    template <class T>
    static T must(Result<T> r) {
        if (!r) {
            ADD_FAILURE() << "unexpected error " << r.error().code << ": " << r.error().message;
            throw std::runtime_error(r.error().message);
        }
        return std::move(*r);
    }

    std::int64_t submit(const std::string& name, int tasks, int max_attempts = 6) {
        queue::NewJob j;
        j.name = name;
        j.content_hash = "hash-" + name;
        j.max_attempts = max_attempts;
        for (int i = 0; i < tasks; ++i)
            j.tasks.push_back(
                queue::NewTask{"CancelCollection",
                               {{"UserId", "u-leaver"}, {"WorksId", "w" + std::to_string(i)}},
                               ""});
        return must(store().submit(j)).job_id;
    }

    EngineOptions options() const {
        EngineOptions o;
        o.owner = "engine-fake-test";
        o.workers = 4;
        o.claim_batch = 64;
        o.lease_ms = 600000;
        o.backoff = BackoffPolicy{100, 1000};
        o.max_qps = 1000;
        o.grace_ms = 20000;
        o.endpoint = "https://fake.invalid";
        o.signature = "v3";
        o.access_key_id = "LTAI****fake";
        return o;
    }

    // Milliseconds of clock time since the run began (valid during and after run()).
    std::int64_t run_ms() const {
        return (clock_.monotonic_ns() - start_ns_) / 1000000;
    }
    std::int64_t run_ms(std::int64_t mono_ns) const {
        return (mono_ns - start_ns_) / 1000000;
    }

    // One engine run to its end, on this thread. `on_tick` runs on the writer thread about
    // every 100 ms of clock time and may set stop_. Records every status text seen at a tick.
    RunReport run(const EngineOptions& o, const std::function<void(const Engine&)>& on_tick = {}) {
        Engine engine(store(), api_.factory(), o, clock_, random_);
        engine_ = &engine;
        clock_.attach();  // this thread is the engine's writer: time waits for it
        start_ns_ = clock_.monotonic_ns();
        RunReport r = engine.run(stop_, {}, [&] {
            statuses_.insert(engine.status_text());
            if (on_tick) on_tick(engine);
        });
        engine_ = nullptr;
        const Progress& p = engine.progress();
        done_ = p.done;
        retried_ = p.retried;
        failed_ = p.failed;
        throttled_ = p.throttled;
        attempts_ = p.attempts;
        halted_attempts_ = p.halted_attempts;
        interrupted_ = p.interrupted;
        return r;
    }

    queue::TaskCounts counts(std::int64_t job_id) {
        auto j = must(store().job(job_id));
        if (!j) throw std::runtime_error("no job " + std::to_string(job_id));
        return j->counts;
    }

    std::vector<queue::TaskInfo> tasks(std::int64_t job_id) {
        queue::TaskQuery q(job_id);
        q.limit = 1000;
        return must(store().tasks(q));
    }

    // The task a call was for (by its WorksId).
    static const queue::TaskInfo& task_of(const std::vector<queue::TaskInfo>& all,
                                          const FakeCall& c) {
        const std::string key = "\"WorksId\":\"" + c.params.at("WorksId") + "\"";
        for (const auto& t : all)
            if (t.params_json.find(key) != std::string::npos) return t;
        throw std::runtime_error("no task for call " + std::to_string(c.index));
    }

    std::vector<queue::AttemptRow> attempts() {
        std::vector<queue::AttemptRow> rows;
        must(store().for_each_attempt({}, [&](const queue::AttemptRow& r) {
            rows.push_back(r);
            return true;
        }));
        return rows;
    }

    void expect_chain_intact() {
        auto v = must(store().verify_audit_chain());
        EXPECT_TRUE(v.ok) << "row " << v.first_bad_id << ": " << v.reason;
        // And every task's state agrees with its attempt rows (what `audit verify` checks).
        EXPECT_EQ(must(store().check_task_states()), "");
    }

    qbi::test::TempDir dir_;
    ManualClock clock_;
    FakeApi api_;
    SeededRandom random_{20240501};
    std::unique_ptr<queue::Store> store_;
    std::atomic<bool> stop_{false};
    const Engine* engine_ = nullptr;  // during run()
    std::int64_t start_ns_ = 0;
    std::set<std::string> statuses_;
    std::int64_t done_ = 0, retried_ = 0, failed_ = 0, throttled_ = 0, attempts_ = 0,
                 halted_attempts_ = 0, interrupted_ = 0;
};

}  // namespace qbi::engine::test
