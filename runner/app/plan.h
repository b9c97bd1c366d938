#pragma once
// `plan` (discovery.md §3): the read calls of the discovery tasks of a job file, made now with
// the configured client, credentials, rate limits and retries, into a temporary queue that is
// deleted afterwards; the cancel calls they find are collected, never sent. The result is a job
// file of explicit cancel-collection / cancel-share tasks that validates and submits as it is,
// commented with each work's name, type and owner and how each favourite or grant was found.
//
// Thread-safety: call from the main thread (it runs an engine with its worker threads).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runner/api/credential_chain.h"
#include "runner/app/config.h"
#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/random.h"
#include "runner/engine/engine.h"

namespace qbi::app {

struct PlannedCall {
    std::string action;  // CancelCollection | CancelReportShare
    Params params;
    std::string work;   // "Revenue (PAGE, owner bob)", when known
    std::string found;  // "favourite of jdoe (1213...)", "shared to group Sales (g1)"
};

struct Plan {
    std::string source_file;
    std::string job;   // the planned job's name: "<job>-plan"
    std::string yaml;  // the job file (a comment-only text when nothing is to be cancelled)
    std::vector<PlannedCall> calls;
    std::int64_t reads = 0;             // read calls made (attempts, retries included)
    std::vector<std::string> failures;  // reads that failed: "QueryUserInfoByAccount
                                        // Account=x: User.Not.In.Organization: ..."
    bool complete() const { return failures.empty(); }
};

struct PlanContext {
    const Config& config;
    const Env& env;
    const CredentialOptions& credentials;
    Clock& clock;
    NonceSource& nonces;
    const std::atomic<bool>& stop;
    std::function<void(const engine::Engine&)> on_tick;  // progress display; may be empty
};

// One plan per file. Errors: an invalid file (65, with its file:line:col messages), the API
// set-up (78), a halt (77/78: the reads cannot be made), a store error.
Result<std::vector<Plan>> make_plans(const std::vector<std::string>& files, const PlanContext& ctx);

}  // namespace qbi::app
