#pragma once
// Validating and enqueueing job files: shared by `validate`, `submit`, `serve` (inbox) and
// `batch`. Each file is validated whole and enqueued in one transaction, or not at all.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/app/config.h"
#include "runner/jobs/job_file.h"
#include "runner/queue/store.h"

namespace qbi::app {

jobs::JobLimits job_limits(const Config& cfg);
// The queue's job of a parsed job file: every task with its key and, for a discovery read, its
// scope as context (runner/discovery).
queue::NewJob to_new_job(const jobs::JobSpec& spec, int default_max_attempts);

enum class SubmitStatus { Submitted, AlreadySubmitted, Invalid, Refused, StoreError };

struct SubmitOutcome {
    std::string file;
    SubmitStatus status = SubmitStatus::Invalid;
    std::string job_name;
    std::int64_t job_id = 0;
    std::int64_t tasks = 0;
    std::vector<std::string> errors;  // "file:line:column: message" lines, or the refusal
    int error_code = 0;               // exit class of a Refused/StoreError
    bool resumed = false;             // an interrupted submit of the same job was completed
};

// Validates `path` and, unless it is invalid, submits it: streamed (Store::submit_staged), so
// memory holds a piece of the file and one item of its tree (jobs::parse_job_fd_streamed) but
// never the expanded tasks, and the queue is
// written in transactions of at most `chunk` tasks (one transaction for smaller jobs). A submit
// interrupted between chunks leaves the job partly enqueued; submitting the file again
// completes it ("resumed").
inline constexpr std::int64_t kSubmitChunk = 20000;
// `cancelled` (optional) is asked while parsing, staging and between chunks: true abandons the
// submit (StoreError, exit 75; the file can be submitted again). It must not use the Store:
// while the file is parsed, another thread may be inserting the tasks through it
// (TaskInserter, submit_pipeline.h).
struct SubmitControl {
    std::int64_t chunk = kSubmitChunk;
    std::function<bool()> cancelled = {};
    std::int64_t pause_ms = 0;  // between two chunks (Store::submit_staged)
};
SubmitOutcome submit_file(queue::Store& store, const std::string& path, const Config& cfg,
                          const SubmitControl& control = {});
// The same for a regular file already open on `fd` (the inbox opens its entries itself).
SubmitOutcome submit_fd(queue::Store& store, const std::string& path, int fd, const Config& cfg,
                        const SubmitControl& control = {});
// The same for text already read (`path` names it in messages).
SubmitOutcome submit_text(queue::Store& store, const std::string& path, std::string_view text,
                          const Config& cfg, const SubmitControl& control = {});
// Submits a job already parsed (from `path`, or text made in memory and named `path`).
SubmitOutcome submit_parsed(queue::Store& store, const std::string& path,
                            const jobs::JobFileResult& parsed, const Config& cfg);

// One line for humans: "jobs/x.yaml: submitted as job 3 (offboard-jdoe, 12 tasks)".
std::string describe(const SubmitOutcome& o);

}  // namespace qbi::app
