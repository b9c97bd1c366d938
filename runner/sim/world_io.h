#pragma once
// World files (YAML, format in README.md, "qbi-sim"), generated worlds, and the JSON state dump.
//
// Contract: a world file is parsed completely or refused; every error is one line
// "FILE:LINE:COL: message" (unknown keys come with a "did you mean" hint). The state dump
// (world_to_value) is itself a valid world file (JSON is YAML), so a saved --state-out can be
// loaded again with --world. generate_world() is a pure function of (spec, seed).
// Thread-safety: pure functions; safe from any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "runner/core/json.h"
#include "runner/core/result.h"
#include "runner/sim/world.h"

namespace qbi::sim {

// A world file as parsed. `implicit` is the file's `implicit: true`: users, works and groups
// that favourites, shares, groups or works mention without declaring are created (see
// add_implicit_entities).
struct WorldFile {
    WorldData data;
    bool implicit = false;
    bool has_organization = false;  // the file declared `organization:`
};

Result<WorldFile> parse_world(std::string_view text, const std::string& name);
Result<WorldFile> load_world_file(const std::string& path);

// Appends `from` to `into` (the organisation of `from` wins if it declared one). Duplicate IDs
// are reported later, by World's constructor.
void merge_world(WorldFile& into, WorldFile from);

// Creates default users, works and groups for every ID that favourites, shares, group
// memberships and work owners name without declaring (in order of first mention).
void add_implicit_entities(WorldData& data);

// --generate users=N,works=M,favorites=K,shares=S[,groups=G,workspaces=W]
struct GenerateSpec {
    int users = 0, works = 0, favorites = 0, shares = 0;
    int groups = -1;      // default: max(1, users / 10) when users > 0
    int workspaces = -1;  // default: max(1, works / 50) when works > 0
};
Result<GenerateSpec> parse_generate_spec(std::string_view text);

// A world with exactly the requested counts (favourites and shares are capped at the number
// of distinct pairs possible). Same spec and seed, same world, byte for byte.
WorldData generate_world(const GenerateSpec& spec, std::uint64_t seed);

// The world-file document of `data` (version 1), entries in the order given.
json::Value world_to_value(const WorldData& data);

// "developer" | "visitor" | "analyst" for UserType 1 | 2 | 3.
const char* user_type_name(int type);

// "unpublished" | "published" | "modified" | "offline" for a work's Status 0 | 1 | 2 | 3.
const char* work_status_name(int status);

}  // namespace qbi::sim
