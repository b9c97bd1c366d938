#include "runner/app/submit_pipeline.h"

#include "runner/discovery/discovery.h"

namespace qbi::app {

namespace {

// The parser waits when this many tasks are queued and not yet inserted.
constexpr std::size_t kMaxQueued = 8192;

}  // namespace

TaskInserter::TaskInserter(queue::Store& store, int max_attempts, std::string source_file)
    : store_(store), max_attempts_(max_attempts), source_file_(std::move(source_file)) {
    thread_ = std::thread([this] { run(); });
}

TaskInserter::~TaskInserter() {
    abandon();
}

void TaskInserter::add(const jobs::TaskSpec& task) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return queue_.size() < kMaxQueued || end_; });
    if (end_) return;
    queue_.push_back(task);
    if (queue_.size() == 1) cv_.notify_all();
}

void TaskInserter::run() {
    if (auto st = store_.begin_job_insert(max_attempts_, source_file_); !st) failed_ = true;
    for (;;) {
        std::deque<jobs::TaskSpec> batch;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return !queue_.empty() || end_; });
            if (queue_.empty() || abandoned_) return;  // the end, or nothing more is wanted
            batch.swap(queue_);
            cv_.notify_all();  // the parser may wait for room
        }
        if (failed_) continue;  // drain what comes until the end
        try {
            for (const auto& t : batch) {
                if (auto st = store_.add_job_task(discovery::new_task(t)); !st) {
                    failed_ = true;
                    break;
                }
                ++added_;
            }
        } catch (...) {  // out of memory, say: the ordinary submit will meet it and say so
            failed_ = true;
        }
    }
}

void TaskInserter::stop_thread(bool abandon) {
    {
        std::lock_guard lock(mu_);
        end_ = true;
        if (abandon) {
            abandoned_ = true;
            queue_.clear();  // rolled back anyway: not inserted first
        }
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::optional<Result<queue::SubmitResult>> TaskInserter::finish(const queue::NewJob& header) {
    stop_thread(false);
    if (failed_) {
        store_.abort_job_insert();
        return std::nullopt;
    }
    auto r = store_.commit_job_insert(header, added_);
    // A refusal of the job itself (its name taken with other content, a bad header) is the
    // answer; anything else is left to the ordinary submit to meet and report.
    if (!r && r.error().code != kExitDataErr) return std::nullopt;
    return r;
}

void TaskInserter::abandon() {
    stop_thread(true);
    store_.abort_job_insert();
}

}  // namespace qbi::app
