#pragma once
// Shared setup for the tests/engine_*_test.cpp suites: the real Engine over real TLS against
// the in-process simulator (tests/support/sim_fixture.h), with a real SQLite queue in a
// TempDir.
//
// The world is a leaver's: user "u-leaver" has favourites on works w0..w(F-1) and holds share
// grants on reports r0..r(S-1); the job cancels all of them (one task per favourite, one per
// grant), so after a clean run the simulator holds none of them.
//
// The engine runs on the SystemClock with a tiny backoff (base 2 ms, cap 20 ms): worker threads
// cannot be driven by a ManualClock, and with such a backoff retries cost milliseconds.
// Not thread-safe; one per test.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/api/endpoint.h"
#include "runner/api/transport.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/engine/caller.h"
#include "runner/engine/engine.h"
#include "runner/engine/inflight_journal.h"
#include "runner/queue/store.h"
#include "runner/sim/world_io.h"
#include "tests/support/process.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi::engine::test {

inline constexpr const char* kLeaver = "u-leaver";
inline constexpr const char* kKeyId = "LTAI_engine_test";  // masked: LTAI****test
inline constexpr const char* kSecret = "engine-test-secret";

// Works w0..w(favorites-1) favourited by the leaver; reports r0..r(shares-1) shared to the
// leaver; plus "u-other" who keeps a favourite on w0 (the clean-up must not touch it).
inline sim::WorldData leaver_world(int favorites, int shares) {
    sim::WorldData w;
    w.users.push_back(sim::User{kLeaver, kLeaver, kLeaver, kLeaver, "", 1, false, false, ""});
    w.users.push_back(
        sim::User{"u-other", "u-other", "u-other", "u-other", "", 1, false, false, ""});
    for (int i = 0; i < favorites; ++i) {
        const std::string id = "w" + std::to_string(i);
        w.works.push_back(sim::Work{id, id, "PAGE", "", ""});
        w.favorites.push_back(sim::Favorite{0, kLeaver, id});
    }
    if (favorites > 0) w.favorites.push_back(sim::Favorite{0, "u-other", "w0"});
    for (int i = 0; i < shares; ++i) {
        const std::string id = "r" + std::to_string(i);
        w.works.push_back(sim::Work{id, id, "REPORT", "", ""});
        sim::Share s;
        s.id = "share-" + std::to_string(i);
        s.report = id;
        s.to_type = sim::ShareTo::User;
        s.to = kLeaver;
        w.shares.push_back(s);
    }
    return w;
}

// The clean-up of leaver_world(favorites, shares): one CancelCollection per favourite, one
// CancelReportShare per grant.
inline queue::NewJob leaver_job(const std::string& name, int favorites, int shares,
                                int max_attempts = 6) {
    queue::NewJob j;
    j.name = name;
    j.description = "offboarding test " + name;
    j.content_hash = "hash-" + name;
    j.max_attempts = max_attempts;
    for (int i = 0; i < favorites; ++i)
        j.tasks.push_back(queue::NewTask{
            "CancelCollection", {{"UserId", kLeaver}, {"WorksId", "w" + std::to_string(i)}}, ""});
    for (int i = 0; i < shares; ++i)
        j.tasks.push_back(queue::NewTask{
            "CancelReportShare",
            {{"ReportId", "r" + std::to_string(i)}, {"ShareToType", "0"}, {"ShareToIds", kLeaver}},
            ""});
    return j;
}

inline qbi::test::SimFixtureOptions leaver_sim(int favorites, int shares) {
    qbi::test::SimFixtureOptions o;
    o.credentials = {qbi::test::sim_credentials(kKeyId, kSecret)};
    o.world = leaver_world(favorites, shares);
    return o;
}

// How many favourites and grants of the leaver a world still holds.
inline std::size_t leaver_items(const sim::WorldData& w) {
    std::size_t n = 0;
    for (const auto& f : w.favorites) n += f.user == kLeaver;
    for (const auto& s : w.shares) n += s.to == kLeaver;
    return n;
}

class EngineSimTest : public ::testing::Test {
protected:
    // Starts (or restarts, on a fresh port) the simulator.
    void start_sim(qbi::test::SimFixtureOptions o) {
        sim_.reset();
        sim_ = std::make_unique<qbi::test::SimFixture>(std::move(o));
    }
    qbi::test::SimFixture& sim() { return *sim_; }

    queue::Store& store() {
        if (!store_) {
            auto s = queue::Store::open(dir_ / "queue.db", SystemClock::instance());
            if (!s) throw std::runtime_error(s.error().message);
            store_ = std::make_unique<queue::Store>(std::move(*s));
        }
        return *store_;
    }

    // After a kill -9: how many running tasks may have been sent, by the dead runner's in-flight
    // journal (inflight_journal.h), as the next runner's recovery will count them: the tasks the
    // journal lists, and every running task of an owner without a journal. Each (task, lease
    // owner) is counted once: a runner killed before its recovery ran leaves the earlier
    // runner's calls in doubt, and they get one interrupted row, not one per kill.
    std::int64_t in_doubt() {
        auto sent = InFlightJournal::read(InFlightJournal::path_for(dir_ / "queue.db"));
        std::set<std::int64_t> listed;
        if (sent) listed.insert(sent->task_ids.begin(), sent->task_ids.end());
        SQLite::Statement s(store().raw_connection(),
                            "SELECT id, lease_owner FROM tasks WHERE state = 'running'");
        std::int64_t n = 0;
        while (s.executeStep()) {
            const std::int64_t id = s.getColumn(0).getInt64();
            const std::string owner = s.getColumn(1).getString();
            const bool doubt = !sent || owner != sent->owner || listed.count(id) > 0;
            if (doubt && counted_doubt_.insert({id, owner}).second) ++n;
        }
        return n;
    }

    // Whether a SIGKILL now would fail a task by the interrupted-in-a-row rule (queue/types.h
    // kMaxInterruptedInARow): some running task already has kMaxInterruptedInARow - 1
    // interrupted attempts since its last other outcome, and the kill would add one. Call
    // with the runner paused; the crash tests then let it go on a little instead of killing,
    // since they test that kills lose nothing, not the rule (ATaskInterruptedThreeTimesInARow).
    bool a_kill_would_fail_a_task() {
        SQLite::Statement s(store().raw_connection(),
                            "SELECT count(*) FROM tasks t WHERE t.state = 'running' AND "
                            "(SELECT count(*) FROM attempts a WHERE a.task_id = t.id AND "
                            "a.outcome = 'interrupted' AND a.id > coalesce((SELECT max(b.id) "
                            "FROM attempts b WHERE b.task_id = t.id AND b.outcome <> "
                            "'interrupted'), 0)) + 1 >= ?");
        s.bind(1, queue::kMaxInterruptedInARow);
        return s.executeStep() && s.getColumn(0).getInt64() > 0;
    }

    // Kills `runner` with SIGKILL once that cannot fail a task (a_kill_would_fail_a_task),
    // letting it run on 20 ms at a time until then (10 s at most: then it is killed anyway,
    // and the test's own checks say what that did). Its exit code if it ended first, else
    // 128 + SIGKILL.
    int kill_when_safe(qbi::test::Process& runner) {
        for (int postponed = 0;; ++postponed) {
            if (!runner.pause()) return runner.exit_code();
            if (postponed == 500 || !a_kill_would_fail_a_task()) break;
            runner.resume();
            if (const int code = runner.wait_for(20); code >= 0) return code;
        }
        runner.signal(SIGKILL);
        runner.resume();
        return runner.wait_for(10000);
    }

    template <class T>
    static T must(Result<T> r) {
        if (!r) {
            ADD_FAILURE() << "unexpected error " << r.error().code << ": " << r.error().message;
            throw std::runtime_error(r.error().message);
        }
        return std::move(*r);
    }

    std::int64_t submit(const queue::NewJob& job) { return must(store().submit(job)).job_id; }

    // Options for a quick test run against the simulator.
    EngineOptions options() const {
        EngineOptions o;
        o.owner = "engine-test:" + std::to_string(++runs_);
        o.workers = 8;
        o.claim_batch = 64;
        o.lease_ms = 60000;
        o.backoff = BackoffPolicy{2, 20};
        o.max_qps = 100000;
        o.grace_ms = 5000;
        o.endpoint = sim_->endpoint();
        o.signature = "v3";
        o.access_key_id = mask_access_key_id(kKeyId);
        return o;
    }

    // HttpsCallers for the current simulator, trusting only its CA.
    CallerFactory callers(Credentials credentials = qbi::test::sim_credentials(kKeyId, kSecret)) {
        tls_.ca_file = sim_->ca_file();
        auto ctx = make_client_context(tls_);
        if (!ctx) throw std::runtime_error(ctx.error().message);
        auto ep = parse_endpoint(sim_->endpoint());
        if (!ep) throw std::runtime_error(ep.error().message);
        return [this, ep = *ep, context = *ctx, credentials]() -> std::unique_ptr<Caller> {
            return std::make_unique<HttpsCaller>(ep, credentials, SignatureScheme::V3, context,
                                                 tls_, SystemClock::instance(), nonces_);
        };
    }

    // One engine run to its end. `on_tick` runs on the writer thread about every 100 ms and
    // may set stop_.
    RunReport run(const EngineOptions& o, const std::function<void(const Engine&)>& on_tick = {},
                  CallerFactory factory = nullptr) {
        Engine engine(store(), factory ? factory : callers(), o, SystemClock::instance(), random_);
        last_progress_ = {};
        RunReport r = engine.run(stop_, {}, [&] {
            if (on_tick) on_tick(engine);
        });
        const Progress& p = engine.progress();
        last_progress_ = {p.done.load(),           p.already_absent.load(), p.failed.load(),
                          p.retried.load(),        p.throttled.load(),      p.attempts.load(),
                          p.halted_attempts.load()};
        last_status_ = engine.status_text();
        return r;
    }

    queue::TaskCounts counts(std::int64_t job_id) {
        auto j = must(store().job(job_id));
        if (!j) throw std::runtime_error("no job " + std::to_string(job_id));
        return j->counts;
    }

    std::vector<queue::TaskInfo> tasks(std::int64_t job_id) {
        std::vector<queue::TaskInfo> out;
        queue::TaskQuery q(job_id);
        q.limit = 1000;
        for (;;) {
            auto page = must(store().tasks(q));
            if (page.empty()) return out;
            q.after_id = page.back().id;
            for (auto& t : page) out.push_back(std::move(t));
        }
    }

    std::vector<queue::AttemptRow> attempts() {
        std::vector<queue::AttemptRow> rows;
        must(store().for_each_attempt({}, [&](const queue::AttemptRow& r) {
            rows.push_back(r);
            return true;
        }));
        return rows;
    }

    // The simulator's current world, through its state dump (the same JSON GET /__sim/state
    // answers, read back as a world file).
    sim::WorldData sim_world() {
        auto file = sim::parse_world(sim_->state_json(), "state.json");
        if (!file) throw std::runtime_error(file.error().message);
        return std::move(file->data);
    }

    void expect_chain_intact() {
        auto v = must(store().verify_audit_chain());
        EXPECT_TRUE(v.ok) << "row " << v.first_bad_id << ": " << v.reason;
        // And every task's state agrees with its attempt rows (what `audit verify` checks).
        EXPECT_EQ(must(store().check_task_states()), "");
    }

    struct Counters {
        std::int64_t done = 0, already_absent = 0, failed = 0, retried = 0, throttled = 0,
                     attempts = 0, halted_attempts = 0;
    };

    qbi::test::TempDir dir_;
    std::unique_ptr<qbi::test::SimFixture> sim_;
    std::unique_ptr<queue::Store> store_;
    std::set<std::pair<std::int64_t, std::string>> counted_doubt_;  // in_doubt()
    TlsOptions tls_;
    RandomNonceSource nonces_;
    SeededRandom random_{20240501};
    std::atomic<bool> stop_{false};
    Counters last_progress_;
    std::string last_status_;
    mutable int runs_ = 0;
};

}  // namespace qbi::engine::test
