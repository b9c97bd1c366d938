#pragma once
// The simulated Quick BI organisation: users, user groups, workspaces, works, favourites and
// share grants, and the API operations over them (quickbi-api.md §2 and §5).
//
// Contract: WorldData is the plain description (what a world file holds, what a state dump
// shows). World owns one WorldData and answers the API actions against it exactly with the
// documented business codes; CancelCollection and CancelReportShare change it, the discovery
// calls only read. Operations take the action's parameters already present (the gateway layer
// answers Missing<Name> for absent ones); a parameter present but empty is System.Param.Empty.
// The optional parameters of QueryWorksByOrganization are the exception: empty means absent.
// Thread-safety: World is safe to share; every operation holds mutex_ for its whole duration,
// so each call is atomic. WorldData is a plain value.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runner/core/json.h"
#include "runner/core/params.h"

namespace qbi::sim {

struct Organization {
    std::string id = "org-0001";
    std::string name = "Simulated Organization";
    // professional | enterprise: the API works; standard | personal: every business call
    // answers Access.Forbidden; expired: Instance.Expired.
    std::string edition = "professional";
};

struct Workspace {
    std::string id, name;
    std::string organization;  // empty = the current organisation
};

struct User {
    std::string id;          // Quick BI UserId
    std::string account;     // AccountName (RAM users: "name@parent.onaliyun.com")
    std::string account_id;  // Alibaba Cloud UID
    std::string nick, email;
    int type = 1;  // UserType: 1 developer, 2 visitor, 3 analyst
    bool admin = false;
    bool deleted = false;
    std::string organization;  // empty = the current organisation
};

struct Group {
    std::string id, name;
    std::vector<std::string> members;  // UserIds
    std::string organization;          // empty = the current organisation
};

// The folder a work sits in (the answer's Directory); all empty for a workspace's root.
struct Directory {
    std::string id, name;
    std::string path_id;    // the IDs from the top folder down, joined by '/'
    std::string path_name;  // the names likewise
};

// 2024-01-01T00:00:00Z: GmtCreate / GmtModify of a work whose file gives no time.
inline constexpr std::int64_t kDefaultWorkTimeMs = 1704067200000;

struct Work {
    std::string id, name;
    std::string type = "PAGE";  // PAGE (dashboard), REPORT (workbook), DATAPRODUCT (portal), ...
    std::string workspace;      // a Workspace id, or empty
    std::string owner;          // a UserId, or empty
    // Every field from here on has an initialiser, so that aggregate initialisations naming
    // only the first five ({id, name, type, workspace, owner}) stay clean under -Wextra.
    int status = 1;                    // Status: 0 unpublished, 1 published, 2 modified, 3 offline
    int auth3rd = 0;                   // Auth3rdFlag: 1 = third-party embedding enabled
    std::string security_level = "0";  // SecurityLevel: 0 private, 1/11 workspace, 12 members
    std::string description{};
    std::int64_t created_ms = kDefaultWorkTimeMs;   // GmtCreate, epoch ms
    std::int64_t modified_ms = kDefaultWorkTimeMs;  // GmtModify, epoch ms
    Directory directory{};
};

struct Favorite {
    std::int64_t id = 0;  // FavoriteId
    std::string user, work;
};

enum class ShareTo { User = 0, Group = 1, Organization = 2, Workspace = 3 };

struct Share {
    std::string id;  // ShareId
    std::string report;
    ShareTo to_type = ShareTo::User;
    std::string to;
    int auth_point = 1;                      // 1 view, 3 view and export (as Quick BI reports it)
    std::int64_t expire_ms = 4102444799000;  // ExpireDate, epoch ms (default 2099-12-31)
};

struct WorldData {
    Organization organization;
    std::vector<Workspace> workspaces;
    std::vector<User> users;
    std::vector<Group> groups;
    std::vector<Work> works;
    std::vector<Favorite> favorites;
    std::vector<Share> shares;
};

// "user" / "group" / "organization" / "workspace".
const char* share_to_name(ShareTo t);

// What CancelReportShare answers when none of the named grants exists (quickbi-api.md §2 leaves
// it unverified): Ok = success, Result true (the default: the goal holds); ResultFalse = HTTP
// 200 with Result false; Error = the error code in `absent_share_code` (e.g.
// Report.NotExist.Error).
enum class AbsentShare { Ok, ResultFalse, Error };

// The answer of one business call: success (code empty) with `result`, or an error code with
// the argument for its message.
struct BizResult {
    std::string code;      // empty on success
    std::string arg;       // for the message's %s
    json::Value result;    // true, or the discovery data
    bool changed = false;  // the world was modified

    bool ok() const { return code.empty(); }
    static BizResult error(std::string c, std::string a = "") {
        BizResult r;
        r.code = std::move(c);
        r.arg = std::move(a);
        return r;
    }
};

class World {
public:
    // Throws std::invalid_argument on inconsistent data (duplicate IDs, references to missing
    // users/works/groups); the message names the offending entry.
    explicit World(WorldData data, AbsentShare absent = AbsentShare::Ok,
                   std::string absent_share_code = "Report.NotExist.Error");

    // The actions this world answers, and the parameters each requires (in check order).
    static const std::vector<std::string>& actions();
    static const std::vector<std::string>* required_params(const std::string& action);

    // QueryWorksByOrganization's largest PageSize; a larger one is Invalid.Parameter.Error.
    // 100 is what Quick BI's list APIs commonly allow.
    static constexpr std::int64_t kMaxPageSize = 100;

    // Runs `action` (one of actions()). Unknown actions are the gateway's business.
    BizResult call(const std::string& action, const Params& params);

    // A copy of the current state, in the world-file order (sorted by id).
    WorldData snapshot() const;
    // The state as a document in the world-file format (loadable with --world).
    json::Value to_value() const;

    std::size_t favorite_count() const;
    std::size_t share_count() const;
    bool has_favorite(const std::string& user, const std::string& work) const;
    bool has_share(const std::string& report, ShareTo type, const std::string& to) const;

private:
    BizResult cancel_collection(const Params& p);
    BizResult cancel_report_share(const Params& p);
    BizResult list_collections(const Params& p) const;
    BizResult query_shares_to_user_list(const Params& p) const;
    BizResult query_share_list(const Params& p) const;
    BizResult query_user_info(const User& u) const;
    BizResult query_user_by_account(const Params& p) const;
    BizResult query_user_by_id(const Params& p) const;
    BizResult query_works_by_organization(const Params& p) const;

    const User* member(const std::string& user_id) const;  // a user of this organisation
    bool in_org(const std::string& organization) const;
    const Workspace* workspace_of(const Work& w) const;
    // A work as QueryWorksByOrganization lists it; with `shares_names`, under the field names
    // QuerySharesToUserList uses for the same facts (ThirdPartAuthFlag, CreateTime, ModifyTime).
    json::Value work_listing(const Work& w, bool shares_names) const;

    mutable std::mutex mutex_;
    // Everything below is guarded by mutex_.
    Organization org_;
    std::map<std::string, Workspace> workspaces_;
    std::map<std::string, User> users_;
    std::map<std::string, Group> groups_;
    std::map<std::string, Work> works_;
    // The works of this organisation (not those in another organisation's workspace), in
    // WorksId order: what QueryWorksByOrganization pages over. Fixed after construction.
    std::vector<const Work*> org_works_;
    // user -> work -> FavoriteId
    std::unordered_map<std::string, std::map<std::string, std::int64_t>> favorites_;
    // report -> grants in creation order
    std::unordered_map<std::string, std::vector<Share>> shares_;
    std::int64_t next_favorite_id_ = 1;
    AbsentShare absent_;
    std::string absent_code_;
};

}  // namespace qbi::sim
