// World files: YAML (or JSON) in the format of README.md, "qbi-sim".
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "runner/core/strings.h"
#include "runner/core/time_format.h"
#include "runner/sim/world_io.h"

namespace qbi::sim {

namespace {

constexpr int kWorldVersion = 1;

struct ParseError {
    std::string message;
};

class Parser {
public:
    explicit Parser(std::string name) : name_(std::move(name)) {}

    WorldFile parse(const YAML::Node& root) {
        WorldFile out;
        if (!root.IsDefined() || root.IsNull()) return out;  // an empty file: an empty world
        if (!root.IsMap()) fail(root, "a world file is a mapping of sections");
        keys(root,
             {"version", "organization", "workspaces", "users", "groups", "works", "favorites",
              "shares", "implicit"},
             "world file");
        if (auto v = root["version"]) {
            const std::int64_t version = integer(v, "version");
            if (version > kWorldVersion)
                fail(v, "world file version " + std::to_string(version) +
                            " is newer than this qbi-sim understands (" +
                            std::to_string(kWorldVersion) + ")");
            if (version < 1) fail(v, "version must be 1");
        }
        if (auto n = root["implicit"]) out.implicit = boolean(n, "implicit");
        if (auto n = root["organization"]) {
            out.has_organization = true;
            organization(n, out.data.organization);
        }
        for_each(root["workspaces"], "workspaces", [&](const YAML::Node& n) {
            keys(n, {"id", "name", "organization"}, "workspace");
            Workspace w;
            w.id = id(required(n, "id"), "id");
            w.name = n["name"] ? text(n["name"], "name") : w.id;
            if (n["organization"]) w.organization = id(n["organization"], "organization");
            out.data.workspaces.push_back(std::move(w));
        });
        for_each(root["users"], "users", [&](const YAML::Node& n) { user(n, out.data); });
        for_each(root["groups"], "groups", [&](const YAML::Node& n) {
            keys(n, {"id", "name", "members", "organization"}, "group");
            Group g;
            g.id = id(required(n, "id"), "id");
            g.name = n["name"] ? text(n["name"], "name") : g.id;
            if (n["members"]) g.members = id_list(n["members"], "members", true);
            if (n["organization"]) g.organization = id(n["organization"], "organization");
            out.data.groups.push_back(std::move(g));
        });
        for_each(root["works"], "works", [&](const YAML::Node& n) { work(n, out.data); });
        for_each(root["favorites"], "favorites",
                 [&](const YAML::Node& n) { favorite(n, out.data); });
        for_each(root["shares"], "shares", [&](const YAML::Node& n) { share(n, out.data); });
        return out;
    }

    [[noreturn]] void fail(const YAML::Node& n, const std::string& message) const {
        const YAML::Mark m = n.Mark();
        if (m.line < 0) throw ParseError{name_ + ": " + message};
        throw ParseError{name_ + ":" + std::to_string(m.line + 1) + ":" +
                         std::to_string(m.column + 1) + ": " + message};
    }

private:
    void keys(const YAML::Node& map, const std::vector<std::string>& allowed, const char* what) {
        if (!map.IsMap()) fail(map, std::string(what) + " must be a mapping");
        for (const auto& kv : map) {
            const std::string key = kv.first.Scalar();
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string msg = "unknown key '" + key + "' in " + what;
            if (std::string near = nearest(key, allowed); !near.empty())
                msg += " (did you mean '" + near + "'?)";
            fail(kv.first, msg);
        }
    }

    template <class F>
    void for_each(const YAML::Node& seq, const char* what, F&& f) {
        if (!seq || seq.IsNull()) return;
        if (!seq.IsSequence()) fail(seq, std::string(what) + " must be a list");
        for (const auto& item : seq) f(item);
    }

    YAML::Node required(const YAML::Node& map, const char* key) {
        YAML::Node n = map[key];
        if (!n || n.IsNull()) fail(map, std::string("missing required key '") + key + "'");
        return n;
    }

    std::string text(const YAML::Node& n, const char* what) {
        if (!n.IsScalar()) fail(n, std::string(what) + " must be a scalar");
        return n.Scalar();
    }

    std::string id(const YAML::Node& n, const char* what) {
        std::string s = text(n, what);
        bool ok = !s.empty() && s.size() <= 128;
        for (char c : s)
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                        c == ':' || c == '@' || c == '-');
        if (!ok)
            fail(n, std::string(what) + " '" + s +
                        "' is not an ID (1-128 characters of A-Z a-z 0-9 . _ : @ -)");
        return s;
    }

    std::vector<std::string> id_list(const YAML::Node& n, const char* what,
                                     bool allow_empty = false) {
        std::vector<std::string> out;
        if (n.IsSequence()) {
            for (const auto& item : n) out.push_back(id(item, what));
            if (out.empty() && !allow_empty) fail(n, std::string(what) + " must not be empty");
        } else {
            out.push_back(id(n, what));
        }
        return out;
    }

    bool boolean(const YAML::Node& n, const char* what) {
        bool b = false;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b))
            fail(n, std::string(what) + " must be true or false");
        return b;
    }

    std::int64_t integer(const YAML::Node& n, const char* what) {
        const std::string s = text(n, what);
        std::size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != s.size()) fail(n, std::string(what) + " must be an integer");
        return v;
    }

    // RFC 3339 or epoch milliseconds.
    std::int64_t time_ms(const YAML::Node& n, const std::string& what) {
        if (auto ms = parse_rfc3339(text(n, what.c_str()))) return *ms;
        return integer(n, (what + " (epoch milliseconds or RFC 3339)").c_str());
    }

    void organization(const YAML::Node& n, Organization& org) {
        keys(n, {"id", "name", "edition"}, "organization");
        org.id = id(required(n, "id"), "id");
        org.name = n["name"] ? text(n["name"], "name") : org.id;
        if (auto e = n["edition"]) {
            org.edition = text(e, "edition");
            static const std::vector<std::string> editions = {"professional", "enterprise",
                                                              "standard", "personal", "expired"};
            if (std::find(editions.begin(), editions.end(), org.edition) == editions.end())
                fail(e,
                     "edition must be one of professional, enterprise, standard, personal, "
                     "expired");
        }
    }

    void user(const YAML::Node& n, WorldData& d) {
        keys(n,
             {"id", "account", "account_id", "nick", "email", "type", "admin", "deleted",
              "organization"},
             "user");
        User u;
        u.id = id(required(n, "id"), "id");
        u.account = n["account"] ? text(n["account"], "account") : u.id;
        u.account_id = n["account_id"] ? id(n["account_id"], "account_id") : u.id;
        u.nick = n["nick"] ? text(n["nick"], "nick") : u.account;
        if (n["email"]) u.email = text(n["email"], "email");
        if (auto t = n["type"]) {
            const std::string s = text(t, "type");
            if (s == "developer" || s == "1")
                u.type = 1;
            else if (s == "visitor" || s == "2")
                u.type = 2;
            else if (s == "analyst" || s == "3")
                u.type = 3;
            else
                fail(t, "type must be developer, visitor or analyst (or 1, 2, 3)");
        }
        if (n["admin"]) u.admin = boolean(n["admin"], "admin");
        if (n["deleted"]) u.deleted = boolean(n["deleted"], "deleted");
        if (n["organization"]) u.organization = id(n["organization"], "organization");
        d.users.push_back(std::move(u));
    }

    void work(const YAML::Node& n, WorldData& d) {
        keys(n,
             {"id", "name", "type", "workspace", "owner", "status", "auth3rd", "security_level",
              "description", "created", "modified", "directory"},
             "work");
        Work w;
        w.id = id(required(n, "id"), "id");
        w.name = n["name"] ? text(n["name"], "name") : w.id;
        if (n["type"]) w.type = text(n["type"], "type");
        if (n["workspace"] && !n["workspace"].IsNull() && !n["workspace"].Scalar().empty())
            w.workspace = id(n["workspace"], "workspace");
        if (n["owner"] && !n["owner"].IsNull() && !n["owner"].Scalar().empty())
            w.owner = id(n["owner"], "owner");
        if (auto st = n["status"]) {
            const std::string s = text(st, "status");
            w.status = -1;
            for (int i = 0; i <= 3; ++i)
                if (s == work_status_name(i) || s == std::to_string(i)) w.status = i;
            if (w.status < 0)
                fail(st, "status must be unpublished, published, modified or offline (or 0-3)");
        }
        if (auto a = n["auth3rd"]) {
            const std::string s = text(a, "auth3rd");
            if (s == "0" || s == "false")
                w.auth3rd = 0;
            else if (s == "1" || s == "true")
                w.auth3rd = 1;
            else
                fail(a, "auth3rd must be 0 or 1 (or false, true)");
        }
        if (auto l = n["security_level"]) {
            w.security_level = text(l, "security_level");
            const bool digits = !w.security_level.empty() && w.security_level.size() <= 4 &&
                                std::all_of(w.security_level.begin(), w.security_level.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
            if (!digits) fail(l, "security_level must be a number such as 0, 1, 11 or 12");
        }
        if (n["description"]) w.description = text(n["description"], "description");
        if (n["created"]) w.created_ms = w.modified_ms = time_ms(n["created"], "created");
        if (n["modified"]) w.modified_ms = time_ms(n["modified"], "modified");
        if (auto dir = n["directory"]) {
            keys(dir, {"id", "name", "path_id", "path_name"}, "directory");
            w.directory.id = id(required(dir, "id"), "id");
            w.directory.name = dir["name"] ? text(dir["name"], "name") : w.directory.id;
            w.directory.path_id = dir["path_id"] ? text(dir["path_id"], "path_id") : w.directory.id;
            w.directory.path_name =
                dir["path_name"] ? text(dir["path_name"], "path_name") : w.directory.name;
        }
        d.works.push_back(std::move(w));
    }

    void favorite(const YAML::Node& n, WorldData& d) {
        keys(n, {"id", "user", "work", "works"}, "favourite");
        const std::string user = id(required(n, "user"), "user");
        if (n["work"] && n["works"]) fail(n, "give either 'work' or 'works', not both");
        if (!n["work"] && !n["works"]) fail(n, "missing required key 'work' (or 'works')");
        const auto works = n["work"] ? id_list(n["work"], "work") : id_list(n["works"], "works");
        std::int64_t fav_id = 0;
        if (auto i = n["id"]) {
            if (works.size() != 1) fail(i, "'id' needs exactly one work");
            fav_id = integer(i, "id");
            if (fav_id <= 0) fail(i, "id must be a positive integer");
        }
        for (const auto& w : works) d.favorites.push_back(Favorite{fav_id, user, w});
    }

    void share(const YAML::Node& n, WorldData& d) {
        keys(n, {"id", "report", "to_type", "to", "auth_point", "expire"}, "share");
        const auto reports = id_list(required(n, "report"), "report");
        const YAML::Node type_node = required(n, "to_type");
        const std::string t = text(type_node, "to_type");
        ShareTo type;
        if (t == "user" || t == "0")
            type = ShareTo::User;
        else if (t == "group" || t == "1")
            type = ShareTo::Group;
        else if (t == "organization" || t == "2")
            type = ShareTo::Organization;
        else if (t == "workspace" || t == "3")
            type = ShareTo::Workspace;
        else
            fail(type_node, "to_type must be user, group, organization or workspace (or 0-3)");
        const auto targets = id_list(required(n, "to"), "to");
        Share s;
        s.to_type = type;
        if (auto i = n["id"]) {
            if (reports.size() != 1 || targets.size() != 1)
                fail(i, "'id' needs exactly one report and one 'to'");
            s.id = id(i, "id");
        }
        if (auto a = n["auth_point"]) s.auth_point = static_cast<int>(integer(a, "auth_point"));
        if (auto e = n["expire"]) s.expire_ms = time_ms(e, "expire");
        for (const auto& r : reports)
            for (const auto& to : targets) {
                Share one = s;
                one.report = r;
                one.to = to;
                d.shares.push_back(std::move(one));
            }
    }

    std::string name_;
};

}  // namespace

Result<WorldFile> parse_world(std::string_view text, const std::string& name) {
    Parser parser(name);
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        return parser.parse(root);
    } catch (const ParseError& e) {
        return Error{kExitDataErr, e.message};
    } catch (const YAML::Exception& e) {
        if (e.mark.line >= 0)
            return Error{kExitDataErr, name + ":" + std::to_string(e.mark.line + 1) + ":" +
                                           std::to_string(e.mark.column + 1) + ": " + e.msg};
        return Error{kExitDataErr, name + ": " + e.msg};
    }
}

Result<WorldFile> load_world_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{kExitIoErr, path + ": cannot read the world file"};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_world(ss.str(), path);
}

void merge_world(WorldFile& into, WorldFile from) {
    auto append = [](auto& a, auto& b) {
        a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
    };
    if (from.has_organization) {
        into.data.organization = from.data.organization;
        into.has_organization = true;
    }
    into.implicit = into.implicit || from.implicit;
    append(into.data.workspaces, from.data.workspaces);
    append(into.data.users, from.data.users);
    append(into.data.groups, from.data.groups);
    append(into.data.works, from.data.works);
    append(into.data.favorites, from.data.favorites);
    append(into.data.shares, from.data.shares);
}

void add_implicit_entities(WorldData& d) {
    std::set<std::string> users, works, groups, workspaces;
    for (const auto& u : d.users) users.insert(u.id);
    for (const auto& w : d.works) works.insert(w.id);
    for (const auto& g : d.groups) groups.insert(g.id);
    for (const auto& w : d.workspaces) workspaces.insert(w.id);
    auto need_user = [&](const std::string& id) {
        if (!id.empty() && users.insert(id).second) {
            User u;
            u.id = u.account = u.account_id = u.nick = id;
            d.users.push_back(std::move(u));
        }
    };
    auto need_work = [&](const std::string& id) {
        if (works.insert(id).second) {
            Work w;
            w.id = w.name = id;
            d.works.push_back(std::move(w));
        }
    };
    for (auto& g : d.groups)
        for (const auto& m : g.members) need_user(m);
    for (std::size_t i = 0; i < d.works.size(); ++i) {
        need_user(d.works[i].owner);
        if (!d.works[i].workspace.empty() && workspaces.insert(d.works[i].workspace).second)
            d.workspaces.push_back(Workspace{d.works[i].workspace, d.works[i].workspace, ""});
    }
    for (const auto& f : d.favorites) {
        need_user(f.user);
        need_work(f.work);
    }
    for (const auto& s : d.shares) {
        need_work(s.report);
        if (s.to_type == ShareTo::User) need_user(s.to);
        if (s.to_type == ShareTo::Group && groups.insert(s.to).second)
            d.groups.push_back(Group{s.to, s.to, {}, ""});
        if (s.to_type == ShareTo::Workspace && workspaces.insert(s.to).second)
            d.workspaces.push_back(Workspace{s.to, s.to, ""});
    }
}

}  // namespace qbi::sim
