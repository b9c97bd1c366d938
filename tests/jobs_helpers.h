#pragma once
// Helpers shared by the jobs_*_test.cpp suites: run the job-file parser over text and return
// what a user would see.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "runner/jobs/job_file.h"

namespace qbi::jobs::test {

// The errors for `text` read as "job.yaml", each as "file:line:column: message"; a single
// "<valid>" when the text is accepted.
inline std::vector<std::string> errors_for(std::string_view text, const JobLimits& limits = {}) {
    JobFileResult r = parse_job_text(text, "job.yaml", limits);
    if (r.ok()) return {"<valid>"};
    std::vector<std::string> out;
    for (const ValidationError& e : r.errors()) out.push_back(e.to_string());
    return out;
}

// The job `text` describes; records a test failure listing the errors if it is rejected.
inline JobSpec job_for(std::string_view text, const JobLimits& limits = {}) {
    JobFileResult r = parse_job_text(text, "job.yaml", limits);
    if (!r.ok()) {
        std::string all;
        for (const ValidationError& e : r.errors()) all += e.to_string() + "\n";
        ADD_FAILURE() << "rejected:\n" << all;
        return JobSpec{};
    }
    return r.job();
}

inline std::vector<std::string> calls(const JobSpec& job) {
    std::vector<std::string> out;
    for (const TaskSpec& t : job.tasks) out.push_back(describe_call(t));
    return out;
}

}  // namespace qbi::jobs::test
