#pragma once
// The inserting half of a pipelined submit (Store::begin_job_insert): a thread that owns the
// Store while it inserts the tasks the parser hands it, so that a job's rows go in on one core
// while its file is still being parsed on the other. A submit of 20k tasks took the parse
// (0.2 s) plus the insert (0.25 s); now about the longer of the two.
//
// Contract: add() takes tasks in file order, each key once (submit_streamed() drops a repeated
// key before, the first staying). finish() names and commits the job, or answers nullopt when the
// pipeline failed on the way (busy database, an insert error): nothing is then written and the
// caller submits the ordinary way, which meets the same condition and reports it as it always
// has. abandon() (or the destructor) rolls back. After finish() or abandon() the Store is the
// caller's again; before, the caller must not use it.
//
// The price: the write lock is taken at the first task and held until the job is committed or
// rolled back, so for about the longer of parse and insert (a file that turns out invalid
// holds it while it is read), and up to 8192 tasks wait in a queue besides the parser's own
// copies. Callers that need short transactions (the service's inbox, which pauses between
// chunks for the engine) do not pipeline.
//
// Thread-safety: add(), finish() and abandon() from the one parsing thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runner/core/result.h"
#include "runner/jobs/job_spec.h"
#include "runner/queue/store.h"

namespace qbi::app {

class TaskInserter {
public:
    TaskInserter(queue::Store& store, int max_attempts, std::string source_file);
    ~TaskInserter();
    TaskInserter(const TaskInserter&) = delete;
    TaskInserter& operator=(const TaskInserter&) = delete;

    void add(const jobs::TaskSpec& task);
    // `header`: the job's fields (its tasks are not used).
    std::optional<Result<queue::SubmitResult>> finish(const queue::NewJob& header);
    void abandon();

private:
    void run();
    void stop_thread(bool abandon);

    queue::Store& store_;
    const int max_attempts_;
    const std::string source_file_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<jobs::TaskSpec> queue_;  // guarded by mu_
    bool end_ = false;                  // guarded by mu_: no more tasks
    bool abandoned_ = false;            // guarded by mu_: insert nothing more
    bool failed_ = false;               // written by the thread; read after join
    std::int64_t added_ = 0;            // written by the thread; read after join
    std::thread thread_;
};

}  // namespace qbi::app
