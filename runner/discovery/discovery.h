#pragma once
// Discovery (discovery.md §2): what the answer of a read task means for the job. A read is an
// ordinary task (one API call, queued, rate-limited, retried, audited); when it succeeds, its
// answer becomes follow-up tasks that the queue inserts in the same transaction that records
// the read (queue::TaskResult::children):
//
//   QueryUserInfoByAccount   -> ListCollections (favorites) + QuerySharesToUserList (shares)
//   ListCollections          -> one CancelCollection per favourite
//   QuerySharesToUserList    -> one QueryShareList per work shared to the user (any route)
//   QueryShareList           -> one CancelReportShare per matching grant: for offboard-user,
//                               type 0 to the user; for revoke-shares, the type and one of the
//                               `to` IDs. Type 3 (workspace) grants never match, so group and
//                               organisation grants survive an offboarding.
//   QueryWorksByOrganization -> page 1: pages 2..TotalPages; every page: one QueryShareList per
//                               work (an empty Data ends the paging)
//
// The task context (queue::NewTask::context, never sent) is a JSON object:
//   {"scope": <jobs::ReadScope JSON>, "work": "<name (type, owner X)>", "found": "<how>"}
// with only the members that apply; reads carry their scope, discovered cancels the work and
// how the grant or favourite was found (for `plan`'s comments). Keys follow jobs::TaskSpec::key,
// so a discovered cancel collapses with the same explicit one, and two chains reaching the same
// call produce it once.
//
// Errors of a chain's reads: User.Not.In.Organization fails the read naming the account, or,
// with `missing: ok`, succeeds with nothing to do. A malformed answer fails the read with code
// Response.Malformed and inserts nothing. A read without a readable scope fails with
// Discovery.BadContext (a database edited by hand).
//
// Thread-safety: pure functions; called by the engine's workers concurrently.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/api/outcome.h"
#include "runner/jobs/job_spec.h"
#include "runner/jobs/read_scope.h"
#include "runner/queue/types.h"

namespace qbi::discovery {

inline constexpr const char* kCodeBadContext = "Discovery.BadContext";

struct TaskContext {
    std::optional<jobs::ReadScope> scope;
    std::string work;   // "Revenue (PAGE, owner u-bob)"
    std::string found;  // "favourite of jdoe", "shared to group Sales (g1)"
    std::string to_json() const;
    static std::optional<TaskContext> from_json(std::string_view text);
};

// The queue task of one task of a job file: its key, and its scope as context.
queue::NewTask new_task(const jobs::TaskSpec& spec);

// The answer of `task`, possibly re-judged (missing: ok, malformed data), and the follow-up tasks
// it asks for (empty unless the result is a success).
struct Expansion {
    ApiResult result;
    std::vector<queue::NewTask> children;
};
Expansion expand(const queue::ClaimedTask& task, ApiResult result);

}  // namespace qbi::discovery
