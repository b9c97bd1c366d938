#include "runner/app/submit.h"

#include "runner/discovery/discovery.h"

namespace qbi::app {

jobs::JobLimits job_limits(const Config& cfg) {
    jobs::JobLimits l;
    l.max_file_bytes = static_cast<std::size_t>(cfg.max_file_bytes);
    l.max_tasks = static_cast<std::size_t>(cfg.max_tasks);
    return l;
}

queue::NewJob to_new_job(const jobs::JobSpec& spec, int default_max_attempts) {
    queue::NewJob j;
    j.name = spec.name;
    j.description = spec.description;
    j.content_hash = spec.content_hash;
    j.source_file = spec.source_file;
    j.not_before_ms = spec.not_before_ms;
    j.max_attempts = spec.max_attempts.value_or(default_max_attempts);
    j.tasks.reserve(spec.tasks.size());
    for (const auto& t : spec.tasks) j.tasks.push_back(discovery::new_task(t));
    return j;
}

SubmitOutcome submit_file(queue::Store& store, const std::string& path, const Config& cfg) {
    return submit_parsed(store, path, jobs::parse_job_file(path, job_limits(cfg)), cfg);
}

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
            return o.file + ": submitted as job " + std::to_string(o.job_id) + " (" + o.job_name +
                   ", " + std::to_string(o.tasks) + " tasks)";
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
