#include "runner/app/submit.h"

#include <fcntl.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_set>

#include "runner/app/submit_pipeline.h"
#include "runner/core/files.h"
#include "runner/discovery/discovery.h"

namespace qbi::app {

jobs::JobLimits job_limits(const Config& cfg) {
    jobs::JobLimits l;
    l.max_file_bytes = static_cast<std::size_t>(cfg.max_file_bytes);
    l.max_tasks = static_cast<std::size_t>(cfg.max_tasks);
    return l;
}

namespace {

// The job's own fields, without its tasks.
queue::NewJob job_header(const jobs::JobSpec& spec, int default_max_attempts) {
    queue::NewJob j;
    j.name = spec.name;
    j.description = spec.description;
    j.content_hash = spec.content_hash;
    j.source_file = spec.source_file;
    j.not_before_ms = spec.not_before_ms;
    j.max_attempts = spec.max_attempts.value_or(default_max_attempts);
    return j;
}

}  // namespace

queue::NewJob to_new_job(const jobs::JobSpec& spec, int default_max_attempts) {
    queue::NewJob j = job_header(spec, default_max_attempts);
    j.tasks.reserve(spec.tasks.size());
    for (const auto& t : spec.tasks) j.tasks.push_back(discovery::new_task(t));
    return j;
}

namespace {

// Validates with `parse` (one of the jobs::parse_*_streamed) and submits what it passes on.
using StreamedParse = std::function<jobs::JobFileResult(const jobs::TaskSink&)>;
SubmitOutcome submit_streamed(queue::Store& store, const std::string& path,
                              const StreamedParse& parse, const Config& cfg,
                              const SubmitControl& control);

}  // namespace

SubmitOutcome submit_file(queue::Store& store, const std::string& path, const Config& cfg,
                          const SubmitControl& control) {
    auto f = open_regular_file(AT_FDCWD, path, Follow::Yes);
    if (!f) {
        SubmitOutcome o;
        o.file = path;
        o.errors.push_back(
            jobs::ValidationError{path, 0, 0, "cannot read: " + f.error().message}.to_string());
        o.error_code = kExitDataErr;
        return o;
    }
    return submit_fd(store, path, f->fd.get(), cfg, control);
}

SubmitOutcome submit_fd(queue::Store& store, const std::string& path, int fd, const Config& cfg,
                        const SubmitControl& control) {
    return submit_streamed(
        store, path,
        [&](const jobs::TaskSink& sink) {
            return jobs::parse_job_fd_streamed(fd, path, job_limits(cfg), sink);
        },
        cfg, control);
}

SubmitOutcome submit_text(queue::Store& store, const std::string& path, std::string_view text,
                          const Config& cfg, const SubmitControl& control) {
    return submit_streamed(
        store, path,
        [&](const jobs::TaskSink& sink) {
            return jobs::parse_job_text_streamed(text, path, job_limits(cfg), sink);
        },
        cfg, control);
}

namespace {

SubmitOutcome submit_streamed(queue::Store& store, const std::string& path,
                              const StreamedParse& parse, const Config& cfg,
                              const SubmitControl& control) {
    SubmitOutcome o;
    o.file = path;
    auto fail = [&](const Error& e) {
        store.drop_staging();
        o.status = e.code == kExitDataErr ? SubmitStatus::Refused : SubmitStatus::StoreError;
        o.errors.push_back(path + ": " + e.message);
        o.error_code = e.code;
        return o;
    };
    // Up to `chunk` tasks are held in memory and go in one transaction (submit()); past that
    // they are staged in the store (submit_staged()).
    const std::size_t hold = static_cast<std::size_t>(std::max<std::int64_t>(1, control.chunk));
    const int max_attempts = static_cast<int>(cfg.default_max_attempts);
    std::vector<jobs::TaskSpec> held;      // the tasks read, each key once (the first kept)
    std::unordered_set<std::string> seen;  // their keys
    std::size_t read = 0;                  // tasks read, repeated keys included
    // While the job fits one transaction its tasks are inserted as they are parsed (on another
    // thread, which owns the store until finish() or abandon()); not where transactions must
    // stay short for an engine sharing the database (pause_ms: the service's inbox).
    std::optional<TaskInserter> inserter;
    if (control.pause_ms == 0) inserter.emplace(store, max_attempts, path);
    bool staging = false;
    Status staged;  // the first staging failure; later tasks are skipped
    auto stage = [&](const jobs::TaskSpec& t) {
        if (staged) staged = store.stage(discovery::new_task(t), t.key());
    };
    auto parsed = parse([&](jobs::TaskSpec&& t) {
        if (!staged) return;
        if (control.cancelled && control.cancelled()) {
            staged = Error{kExitTempFail, "submit interrupted; submit the file again"};
            return;
        }
        if (staging) return stage(t);
        if (++read <= hold) {
            if (!seen.insert(t.key()).second) return;  // a repeated key: the first stays
            if (inserter) inserter->add(t);
            held.push_back(std::move(t));
            return;
        }
        inserter.reset();  // rolled back: the job goes through the staging instead
        staging = true;
        staged = store.begin_staging();
        for (const auto& h : held) stage(h);
        stage(t);
        std::vector<jobs::TaskSpec>().swap(held);
        std::unordered_set<std::string>().swap(seen);
    });
    if (inserter && (!parsed || !staged)) inserter.reset();
    if (!parsed) {
        store.drop_staging();
        for (const auto& e : parsed.errors()) o.errors.push_back(e.to_string());
        o.error_code = kExitDataErr;
        return o;
    }
    if (!staged) return fail(staged.error());
    jobs::JobSpec& spec = parsed.job();
    o.job_name = spec.name;
    Result<queue::SubmitResult> r = Error{kExitSoftware, "not submitted"};
    if (!staging) {
        spec.tasks = std::move(held);
        spec.content_hash = jobs::compute_content_hash(spec);
        std::optional<Result<queue::SubmitResult>> piped;
        if (inserter) {
            piped = inserter->finish(job_header(spec, max_attempts));
            inserter.reset();
        }
        r = piped ? std::move(*piped) : store.submit(to_new_job(spec, max_attempts));
    } else {
        jobs::ContentHash hash(spec);
        if (auto n = store.staged_keys([&](std::string_view k) { hash.add_key(k); }); !n)
            return fail(n.error());
        spec.content_hash = hash.hex();
        r = store.submit_staged(to_new_job(spec, max_attempts), control.chunk, control.cancelled,
                                control.pause_ms);
    }
    if (!r) return fail(r.error());
    o.status = r->already ? SubmitStatus::AlreadySubmitted : SubmitStatus::Submitted;
    o.resumed = r->resumed;
    o.job_id = r->job_id;
    o.tasks = r->tasks;
    return o;
}

}  // namespace

SubmitOutcome submit_parsed(queue::Store& store, const std::string& path,
                            const jobs::JobFileResult& parsed, const Config& cfg) {
    SubmitOutcome o;
    o.file = path;
    if (!parsed) {
        o.status = SubmitStatus::Invalid;
        for (const auto& e : parsed.errors()) o.errors.push_back(e.to_string());
        o.error_code = kExitDataErr;
        return o;
    }
    o.job_name = parsed.job().name;
    auto r = store.submit(to_new_job(parsed.job(), static_cast<int>(cfg.default_max_attempts)));
    if (!r) {
        o.status =
            r.error().code == kExitDataErr ? SubmitStatus::Refused : SubmitStatus::StoreError;
        o.errors.push_back(path + ": " + r.error().message);
        o.error_code = r.error().code;
        return o;
    }
    o.status = r->already ? SubmitStatus::AlreadySubmitted : SubmitStatus::Submitted;
    o.job_id = r->job_id;
    o.tasks = r->tasks;
    return o;
}

std::string describe(const SubmitOutcome& o) {
    switch (o.status) {
        case SubmitStatus::Submitted:
            return o.file + ": " +
                   (o.resumed ? "completed the interrupted submit of job " : "submitted as job ") +
                   std::to_string(o.job_id) + " (" + o.job_name + ", " + std::to_string(o.tasks) +
                   " tasks)";
        case SubmitStatus::AlreadySubmitted:
            return o.file + ": already submitted as job " + std::to_string(o.job_id) + " (" +
                   o.job_name + ", " + std::to_string(o.tasks) + " tasks); nothing changed";
        case SubmitStatus::Invalid:
            return o.file + ": rejected, nothing enqueued";
        case SubmitStatus::Refused:
        case SubmitStatus::StoreError:
            return o.errors.empty() ? o.file + ": refused" : o.errors.front();
    }
    return o.file;
}

}  // namespace qbi::app
