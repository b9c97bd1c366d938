#pragma once
// The demo's world (a qbi-sim world file, implicit: true) and what the example jobs aim at in
// it. For explicit tasks: the favourites and grants they name. For an offboard-user task: a
// member with that account (or UserId) who has favourites, grants made to them personally,
// grants through a group they belong to and one to the whole organisation (which must survive
// the offboarding). For a revoke-shares task: grants of that type to the named principals on
// the named works. Pure functions; thread-safe.
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "runner/jobs/job_spec.h"

namespace qbi::demo {

using FavoriteKey = std::pair<std::string, std::string>;             // user, work
using ShareKey = std::tuple<std::string, std::string, std::string>;  // report, to_type, to

// The world file for `specs` (YAML).
std::string demo_world_yaml(const std::vector<jobs::JobSpec>& specs);

// A world as /__sim/state shows it, reduced to what the demo counts.
struct WorldView {
    std::set<FavoriteKey> favorites;
    std::set<ShareKey> shares;
    std::vector<std::pair<std::string, std::string>> accounts;  // (account, UserId)
};

// What of `job`'s aim, judged on the world `before` the run, the world `after` still holds, and
// what it must leave alone: the grants to groups and the organisation on works shared to an
// offboarded user personally.
struct JobView {
    std::size_t aimed = 0;    // favourites and grants the job is meant to remove
    std::size_t present = 0;  // of those, still in `after`
    std::size_t guarded = 0;  // grants the job must not touch, in `before`
    std::size_t kept = 0;     // of those, still in `after`
};
JobView view_of(const jobs::JobSpec& job, const WorldView& before, const WorldView& after);

}  // namespace qbi::demo
