#pragma once
// Shared setup for the tests/queue_*_test.cpp suites: a real SQLite file in a TempDir, a
// ManualClock, and small builders for jobs and results. Not thread-safe; one per test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runner/core/clock.h"
#include "runner/queue/store.h"
#include "tests/support/temp_dir.h"

namespace qbi::queue::test {

inline constexpr std::int64_t kT0 = 1700000000000;  // the ManualClock's default start

// A job of n cancel-collection tasks for one user, works w0..w(n-1).
inline NewJob make_job(const std::string& name, int n, const std::string& hash = "h1") {
    NewJob j;
    j.name = name;
    j.description = "test job " + name;
    j.content_hash = hash;
    j.source_file = "/inbox/" + name + ".yaml";
    j.max_attempts = 3;
    j.tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        j.tasks.push_back(NewTask{"CancelCollection",
                                  {{"UserId", "u-" + name}, {"WorksId", "w" + std::to_string(i)}},
                                  ""});
    return j;
}

inline AttemptRecord attempt(Outcome o, const std::string& code = "",
                             const std::string& request_id = "req") {
    AttemptRecord a;
    a.outcome = o;
    a.started_at_ms = kT0;
    a.latency_ms = 12;
    a.http_status = code.empty() ? 200 : 400;
    a.request_id = request_id;
    a.code = code;
    a.message = code.empty() ? "" : "message for " + code;
    a.endpoint = "https://quickbi-public.cn-hangzhou.aliyuncs.com";
    a.signature = "v3";
    a.access_key_id = "LTAI****abcd";
    return a;
}

inline TaskResult result(const ClaimedTask& t, const std::string& owner, Outcome o,
                         const std::string& code = "") {
    return TaskResult{t.task_id, owner, attempt(o, code), std::nullopt};
}

class QueueTest : public ::testing::Test {
protected:
    void SetUp() override { store_ = open_store(); }

    std::filesystem::path db_path() const { return dir_ / "state/queue.db"; }

    std::unique_ptr<Store> open_store(StoreOptions options = {}) {
        auto s = Store::open(db_path(), clock_, options);
        if (!s) ADD_FAILURE() << s.error().message;
        return s ? std::make_unique<Store>(std::move(*s)) : nullptr;
    }

    static std::vector<TaskEffect> effects_of(const std::vector<Recorded>& recorded) {
        std::vector<TaskEffect> out;
        for (const auto& r : recorded) out.push_back(r.effect);
        return out;
    }
    template <class T>
    static T must(Result<T> r) {
        if (!r) {
            ADD_FAILURE() << "unexpected error " << r.error().code << ": " << r.error().message;
            throw std::runtime_error(r.error().message);
        }
        return std::move(*r);
    }

    // Every attempt row, oldest first.
    std::vector<AttemptRow> all_attempts() {
        std::vector<AttemptRow> rows;
        must(store_->for_each_attempt({}, [&](const AttemptRow& r) {
            rows.push_back(r);
            return true;
        }));
        return rows;
    }

    qbi::test::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<Store> store_;
};

}  // namespace qbi::queue::test
