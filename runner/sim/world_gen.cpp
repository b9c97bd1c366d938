// Generated worlds (--generate): a pure function of the spec and the seed.
#include <cstdio>
#include <map>
#include <set>
#include <unordered_set>

#include "runner/core/strings.h"
#include "runner/sim/det_random.h"
#include "runner/sim/world_io.h"

namespace qbi::sim {

namespace {

std::string hex(SplitMix& rng, int chars) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    while (static_cast<int>(out.size()) < chars) {
        std::uint64_t v = rng.next();
        for (int i = 0; i < 16 && static_cast<int>(out.size()) < chars; ++i, v >>= 4)
            out += digits[v & 15];
    }
    return out;
}

// A lower-case UUID-shaped ID, as Quick BI uses for works and workspaces.
std::string uuid(SplitMix& rng) {
    std::string h = hex(rng, 32);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
           "-" + h.substr(20, 12);
}

std::string numbered(const char* prefix, int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%04d", prefix, i);
    return buf;
}

// `count` distinct indices below `space`, in generation order.
std::vector<std::uint64_t> distinct(SplitMix& rng, std::uint64_t space, std::uint64_t count) {
    std::vector<std::uint64_t> out;
    if (count >= space) {
        for (std::uint64_t i = 0; i < space; ++i) out.push_back(i);
        return out;
    }
    std::unordered_set<std::uint64_t> seen;
    if (count > space / 2) {
        // Dense: shuffle the whole space and take a prefix.
        for (std::uint64_t i = 0; i < space; ++i) out.push_back(i);
        for (std::uint64_t i = space - 1; i > 0; --i) std::swap(out[i], out[rng.below(i + 1)]);
        out.resize(count);
        return out;
    }
    while (out.size() < count) {
        std::uint64_t v = rng.below(space);
        if (seen.insert(v).second) out.push_back(v);
    }
    return out;
}

// Status, embedding, security level, description, times and folder of every work, from a
// stream of their own: adding these facts changed none of the IDs, counts or draws above.
// Each workspace (and the no-workspace root) has folders "Folder 1", "Folder 2" and
// "Folder 1/Archive"; a quarter of the works sit at the root.
void describe_works(WorldData& d, std::uint64_t seed) {
    SplitMix rng(mix64(seed ^ 0x776f726b73ULL));  // "works"
    std::map<std::string, std::vector<Directory>> folders;
    auto add_folders = [&](const std::string& workspace) {
        const std::string top = hex(rng, 32), second = hex(rng, 32), archive = hex(rng, 32);
        folders[workspace] = {{top, "Folder 1", top, "Folder 1"},
                              {second, "Folder 2", second, "Folder 2"},
                              {archive, "Archive", top + "/" + archive, "Folder 1/Archive"}};
    };
    for (const auto& ws : d.workspaces) add_folders(ws.id);
    add_folders("");
    static const char* levels[] = {"0", "11", "12", "12"};
    constexpr std::int64_t kYearStartMs = 1672531200000;  // 2023-01-01T00:00:00Z
    constexpr std::uint64_t kDaySeconds = 86400;
    for (auto& w : d.works) {
        const std::uint64_t s = rng.below(20);
        w.status = s < 2 ? 0 : s < 4 ? 2 : s == 4 ? 3 : 1;
        w.auth3rd = rng.below(5) == 0 ? 1 : 0;
        w.security_level = levels[rng.below(4)];
        w.description = rng.below(3) == 0 ? "Notes on " + w.name : "";
        w.created_ms =
            kYearStartMs + static_cast<std::int64_t>(rng.below(365 * kDaySeconds)) * 1000;
        w.modified_ms =
            w.created_ms + static_cast<std::int64_t>(rng.below(180 * kDaySeconds)) * 1000;
        if (const std::uint64_t f = rng.below(4); f < 3) w.directory = folders[w.workspace][f];
    }
}

}  // namespace

Result<GenerateSpec> parse_generate_spec(std::string_view text) {
    GenerateSpec spec;
    static const std::vector<std::string> names = {"users",  "works",  "favorites",
                                                   "shares", "groups", "workspaces"};
    for (const auto& part : split(text, ',')) {
        const auto eq = part.find('=');
        const std::string key = trim(part.substr(0, eq == std::string::npos ? part.size() : eq));
        if (eq == std::string::npos)
            return Error{kExitUsage, "--generate: expected NAME=COUNT, got '" + part + "'"};
        const std::string value = trim(part.substr(eq + 1));
        int n = -1;
        try {
            std::size_t used = 0;
            n = std::stoi(value, &used);
            if (used != value.size()) n = -1;
        } catch (const std::exception&) {
            n = -1;
        }
        if (n < 0 || n > 10000000)
            return Error{kExitUsage, "--generate: " + key +
                                         " must be a count from 0 to "
                                         "10000000, got '" +
                                         value + "'"};
        if (key == "users")
            spec.users = n;
        else if (key == "works")
            spec.works = n;
        else if (key == "favorites" || key == "favourites")
            spec.favorites = n;
        else if (key == "shares")
            spec.shares = n;
        else if (key == "groups")
            spec.groups = n;
        else if (key == "workspaces")
            spec.workspaces = n;
        else {
            std::string msg = "--generate: unknown count '" + key + "'";
            if (auto near = nearest(key, names); !near.empty())
                msg += " (did you mean '" + near + "'?)";
            return Error{kExitUsage, msg};
        }
    }
    return spec;
}

WorldData generate_world(const GenerateSpec& spec, std::uint64_t seed) {
    SplitMix rng(mix64(seed ^ 0x776f726c64ULL));  // "world"
    WorldData d;
    d.organization.id = hex(rng, 32);
    d.organization.name = "Generated Organization";

    const int n_ws = spec.workspaces >= 0 ? spec.workspaces
                                          : (spec.works > 0 ? std::max(1, spec.works / 50) : 0);
    const int n_groups =
        spec.groups >= 0 ? spec.groups : (spec.users > 0 ? std::max(1, spec.users / 10) : 0);
    for (int i = 1; i <= n_ws; ++i)
        d.workspaces.push_back(Workspace{uuid(rng), numbered("Workspace ", i), ""});
    std::set<std::string> user_ids;
    for (int i = 1; i <= spec.users; ++i) {
        User u;
        do {
            u.id = "1" + std::to_string(100000000000000ULL + rng.below(900000000000000ULL));
        } while (!user_ids.insert(u.id).second);
        u.account = numbered("user", i) + "@sim.onaliyun.com";
        u.account_id = std::to_string(5000000000000000ULL + rng.below(1000000000000000ULL));
        u.nick = numbered("User ", i);
        u.email = numbered("user", i) + "@example.com";
        u.type = i == 1 ? 1 : static_cast<int>(1 + rng.below(3));
        u.admin = i == 1;
        d.users.push_back(std::move(u));
    }
    for (int i = 1; i <= n_groups; ++i)
        d.groups.push_back(Group{hex(rng, 32), numbered("Group ", i), {}, ""});
    if (n_groups > 0)
        for (const auto& u : d.users) d.groups[rng.below(n_groups)].members.push_back(u.id);

    static const char* types[] = {"PAGE", "PAGE", "PAGE", "REPORT", "PORTAL", "ANALYSIS"};
    for (int i = 1; i <= spec.works; ++i) {
        Work w;
        w.id = uuid(rng);
        w.name = numbered("Work ", i);
        w.type = types[rng.below(6)];
        if (n_ws > 0) w.workspace = d.workspaces[rng.below(n_ws)].id;
        if (!d.users.empty()) w.owner = d.users[rng.below(d.users.size())].id;
        d.works.push_back(std::move(w));
    }

    const std::uint64_t n_users = d.users.size(), n_works = d.works.size();
    if (n_users > 0 && n_works > 0) {
        std::int64_t fav_id = 1;
        for (std::uint64_t pair : distinct(rng, n_users * n_works, spec.favorites))
            d.favorites.push_back(
                Favorite{fav_id++, d.users[pair / n_works].id, d.works[pair % n_works].id});
    }
    // Share targets: every user, every group, and the organisation itself.
    const std::uint64_t targets = n_users + d.groups.size() + 1;
    if (n_works > 0 && spec.shares > 0) {
        int n = 1;
        for (std::uint64_t pair : distinct(rng, n_works * targets, spec.shares)) {
            Share s;
            s.id = numbered("share-", n++);
            s.report = d.works[pair / targets].id;
            const std::uint64_t t = pair % targets;
            if (t < n_users) {
                s.to_type = ShareTo::User;
                s.to = d.users[t].id;
            } else if (t < n_users + d.groups.size()) {
                s.to_type = ShareTo::Group;
                s.to = d.groups[t - n_users].id;
            } else {
                s.to_type = ShareTo::Organization;
                s.to = d.organization.id;
            }
            s.auth_point = rng.below(4) == 0 ? 3 : 1;
            d.shares.push_back(std::move(s));
        }
    }
    describe_works(d, seed);
    return d;
}

}  // namespace qbi::sim
