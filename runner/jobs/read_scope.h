#pragma once
// The scope of a read task (discovery.md §1-2): which discovery task of the job file a read
// call serves, and so which of its answers become follow-up tasks. Stored with the task as
// canonical JSON (TaskSpec::scope); part of the task's key, so two reads with the same
// parameters but different scopes are different tasks and identical ones collapse.
//
// Plain value; thread-safety: none needed, safe to copy between threads.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qbi::jobs {

struct ReadScope {
    // Offboard: an offboard-user task (one account or user). Revoke: a revoke-shares task.
    enum class Kind { Offboard, Revoke } kind = Kind::Offboard;

    // ---- Offboard: at least one of account and user is non-empty.
    std::string account;        // offboard by account name (empty when offboarded by UserId)
    std::string user;           // the Quick BI UserId: given, or learnt from QueryUserInfoByAccount
    bool favorites = true;      // favorites: true | false
    bool direct_shares = true;  // shares: direct (true) | none (false)
    bool missing_ok = false;    // missing: ok (true) | fail (false)

    // ---- Revoke
    std::string to_type;          // ShareToType: "0" user, "1" group, "2" organisation
    std::vector<std::string> to;  // the principals' IDs: non-empty, sorted, unique

    // The canonical JSON: no whitespace, keys in this fixed order, only those of its kind, the
    // words of the job file (qbi::json_escape for strings):
    //   {"kind":"offboard-user","account":"jdoe","user":"","favorites":true,
    //    "shares":"direct","missing":"fail"}
    //   {"kind":"revoke-shares","to-type":"1","to":["g1","g2"]}
    // Equal scopes give equal text.
    std::string to_json() const;

    // Reads a scope back. Strict: one JSON object with exactly the keys of its kind (any order,
    // JSON whitespace allowed), each once and of its type: "kind" "offboard-user" or
    // "revoke-shares"; strings for account/user (not both empty), a boolean for favorites,
    // "direct"|"none" for shares, "fail"|"ok" for missing; "0"|"1"|"2" for to-type and a
    // non-empty array of non-empty strings in ascending byte order without repeats for to.
    // Anything else (another kind, a wrong type, a missing or unknown or repeated key, invalid
    // UTF-8, trailing text) gives nullopt. from_json(s.to_json()) == s for every scope that
    // meets the field comments above, and to_json() of a parsed scope is the canonical text.
    static std::optional<ReadScope> from_json(std::string_view text);

    // The short canonical text that ends the key of a task with this scope (TaskSpec::key):
    //   offboard-user account=<a>&user=<u>&favorites=<true|false>&shares=<direct|none>
    //     &missing=<fail|ok>        (account=, user= left out when empty)
    //   revoke-shares to-type=<0|1|2>&to=<id>,<id>,...
    // Values are written with every byte outside A-Za-z0-9._:@- as %XX (upper-case hex), so IDs
    // read as they are and no value can forge a separator. When this text would be longer than
    // kMaxPlainKey bytes it is replaced by "<kind> sha256=<the first 32 hex digits of its
    // SHA-256>" (128 bits: distinct scopes of one job never collide in practice).
    std::string key() const;
    static constexpr std::size_t kMaxPlainKey = 200;

    // A few words for listings (describe_call): "offboarding account jdoe: favourites and
    // direct shares", "offboarding user 1213...: favourites; missing ok", "revoking shares to
    // group g1, g2, g3 and 4 more".
    std::string describe() const;

    bool operator==(const ReadScope&) const = default;
};

}  // namespace qbi::jobs
