// The discovery task kinds of schema v1 (discovery.md §1): offboard-user {account | user,
// favorites, shares, missing} and revoke-shares {to-type, to, works}. Each expands into the
// first read calls of its chains, every read carrying the ReadScope it serves; the runner
// inserts the rest from the answers.
#include <algorithm>

#include "runner/core/strings.h"
#include "runner/jobs/job_schema.h"
#include "runner/jobs/read_scope.h"

namespace qbi::jobs::detail {

namespace {

const char* kExpectWorks = "all, an ID or a list of IDs";

// A plain scalar made of ASCII letters only: where a keyword is written (works: all). Work IDs
// that happen to be such a word are quoted.
bool letters_only(std::string_view s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

}  // namespace

std::size_t TaskExpander::discovery_count(int item) const {
    const YamlTree& t = r_.tree();
    if (int body = find_value(t, item, "offboard-user"); body >= 0) {
        if (t.node(body).kind != NodeKind::Map) return 0;
        if (int account = find_value(t, body, "account"); account >= 0) return fan_out(account);
        // The reads per user: ListCollections unless favorites is false, QuerySharesToUserList
        // unless shares is none.
        int fav = find_value(t, body, "favorites");
        int shares = find_value(t, body, "shares");
        std::size_t per_user = 2;
        if (fav >= 0 && r_.type(fav) == ValueType::Bool &&
            boolean_word(t.text(t.node(fav))) == std::optional<bool>(false))
            --per_user;
        if (shares >= 0 && t.node(shares).kind == NodeKind::Scalar &&
            to_lower(t.text(t.node(shares))) == "none")
            --per_user;
        return saturating_mul(fan_out(find_value(t, body, "user")), per_user);
    }
    if (int body = find_value(t, item, "revoke-shares"); body >= 0) {
        if (t.node(body).kind != NodeKind::Map) return 0;
        int works = find_value(t, body, "works");
        if (works >= 0 && t.node(works).kind == NodeKind::Scalar &&
            to_lower(t.text(t.node(works))) == "all")
            return 1;
        return fan_out(works);
    }
    return 0;
}

std::optional<std::string> TaskExpander::keyword(const MapEntry& e, std::string_view what,
                                                 const std::vector<std::string>& words,
                                                 std::string_view expected) {
    auto text = r_.scalar_text(e.value);
    if (r_.type(e.value) == ValueType::Text && text) {
        std::string w = to_lower(*text);
        if (std::find(words.begin(), words.end(), w) != words.end()) return w;
    }
    r_.diag().at(r_.value_pos(e), std::string(what) + ": expected " + std::string(expected) +
                                      ", got " + r_.describe(e.value));
    return std::nullopt;
}

void TaskExpander::offboard_user(const MapEntry& action, std::vector<TaskSpec>& out) {
    Diagnostics& d = r_.diag();
    int body = action.value;
    if (r_.type(body) != ValueType::Map || r_.tree().node(body).count == 0) {
        d.at(r_.value_pos(action),
             "offboard-user: expected a map with account or user, got " + r_.describe(body));
        return;
    }
    static const std::vector<std::string> known = {"account", "user", "favorites", "shares",
                                                   "missing"};
    ReadScope scope;  // Kind::Offboard with the defaults of discovery.md §1
    bool by_account = false, by_user = false;
    std::vector<std::string_view> names;  // the accounts or the users
    bool ok = true;
    for (const MapEntry& e : r_.entries(body)) {
        if (e.key == "account" || e.key == "user") {
            (e.key == "account" ? by_account : by_user) = true;
            if (by_account && by_user) {
                d.at(e.key_pos,
                     "offboard-user: 'account' and 'user' are both given; expected "
                     "exactly one (write a separate offboard-user for each)");
                ok = false;
            } else if (e.key == "account") {
                ok = r_.account_list(e.value, "account", r_.value_pos(e), names) && ok;
            } else {
                ok = r_.id_list(e.value, "user", r_.value_pos(e), names) && ok;
            }
        } else if (e.key == "favorites") {
            auto b = r_.boolean(e.value, "favorites", r_.value_pos(e));
            if (b)
                scope.favorites = *b;
            else
                ok = false;
        } else if (e.key == "shares") {
            auto w = keyword(e, "shares", {"direct", "none"}, "direct or none");
            if (w)
                scope.direct_shares = *w == "direct";
            else
                ok = false;
        } else if (e.key == "missing") {
            auto w = keyword(e, "missing", {"fail", "ok"}, "fail or ok");
            if (w)
                scope.missing_ok = *w == "ok";
            else
                ok = false;
        } else {
            d.at(e.key_pos, unknown_in(e.key, "offboard-user", known,
                                       "one of account, user, favorites, shares, missing"));
        }
    }
    if (!by_account && !by_user) {
        d.at(r_.pos(body),
             "offboard-user: missing required key 'account' or 'user'; expected an "
             "account name or a Quick BI UserId (or a list of either)");
        ok = false;
    }
    if (!scope.favorites && !scope.direct_shares) {
        d.at(r_.pos(body),
             "offboard-user: with favorites: false and shares: none there is "
             "nothing to do; drop the task or enable one of them");
        ok = false;
    }
    if (!ok) return;
    for (std::string_view name : names) {
        ReadScope s = scope;
        if (by_account) {
            s.account = std::string(name);
            emit({kActionQueryUserInfoByAccount, {{"Account", s.account}}, s.to_json()}, out);
            continue;
        }
        s.user = std::string(name);
        std::string json = s.to_json();
        if (s.favorites) emit({kActionListCollections, {{"UserId", s.user}}, json}, out);
        if (s.direct_shares) emit({kActionQuerySharesToUserList, {{"UserId", s.user}}, json}, out);
    }
}

void TaskExpander::revoke_shares(const MapEntry& action, std::vector<TaskSpec>& out) {
    Diagnostics& d = r_.diag();
    int body = action.value;
    if (r_.type(body) != ValueType::Map || r_.tree().node(body).count == 0) {
        d.at(r_.value_pos(action),
             "revoke-shares: expected a map with to-type, to and works, got " + r_.describe(body));
        return;
    }
    static const std::vector<std::string> known = {"to-type", "to", "works"};
    std::vector<std::string_view> to, works;
    std::optional<std::string> type;
    bool have_type = false, have_to = false, have_works = false, all = false, ok = true;
    for (const MapEntry& e : r_.entries(body)) {
        if (e.key == "to-type") {
            have_type = true;
            ValueType ty = r_.type(e.value);
            auto text = r_.scalar_text(e.value);
            bool word = (ty == ValueType::Text || ty == ValueType::Int) && text;
            if (word) type = share_to_type(*text);
            if (type) continue;
            ok = false;
            if (word && (to_lower(*text) == "workspace" || *text == "3"))
                d.at(r_.value_pos(e), std::string("to-type: workspace grants (ShareToType 3) are "
                                                  "not revoked by qbi-runner; expected ") +
                                          kExpectToType);
            else
                d.at(r_.value_pos(e), std::string("to-type: expected ") + kExpectToType + ", got " +
                                          r_.describe(e.value));
        } else if (e.key == "to") {
            have_to = true;
            ok = r_.id_list(e.value, "to", r_.value_pos(e), to) && ok;
        } else if (e.key == "works") {
            have_works = true;
            ok = works_value(e, works, all) && ok;
        } else {
            d.at(e.key_pos, unknown_in(e.key, "revoke-shares", known, "one of to-type, to, works"));
        }
    }
    if (!have_type)
        d.at(r_.pos(body), std::string("revoke-shares: missing required key 'to-type'; expected ") +
                               kExpectToType);
    if (!have_to)
        d.at(r_.pos(body),
             "revoke-shares: missing required key 'to'; expected an ID or a list "
             "of IDs");
    if (!have_works)
        d.at(r_.pos(body),
             std::string("revoke-shares: missing required key 'works'; expected ") + kExpectWorks);
    if (!ok || !have_type || !have_to || !have_works) return;
    ReadScope scope;
    scope.kind = ReadScope::Kind::Revoke;
    scope.to_type = *type;
    scope.to.assign(to.begin(), to.end());
    std::sort(scope.to.begin(), scope.to.end());
    scope.to.erase(std::unique(scope.to.begin(), scope.to.end()), scope.to.end());
    std::string json = scope.to_json();
    if (all) {
        emit({kActionQueryWorksByOrganization, {{"PageNum", "1"}, {"PageSize", "100"}}, json}, out);
        return;
    }
    for (std::string_view w : works)
        emit({kActionQueryShareList, {{"ReportId", std::string(w)}}, json}, out);
}

bool TaskExpander::works_value(const MapEntry& e, std::vector<std::string_view>& works, bool& all) {
    Diagnostics& d = r_.diag();
    int v = e.value;
    ValueType ty = r_.type(v);
    if (ty == ValueType::Null || ty == ValueType::Map ||
        (ty == ValueType::Sequence && r_.tree().node(v).count == 0)) {
        d.at(r_.value_pos(e),
             std::string("works: expected ") + kExpectWorks + ", got " + r_.describe(v));
        return false;
    }
    if (ty == ValueType::Text && r_.is_plain(v) && letters_only(*r_.scalar_text(v))) {
        if (to_lower(*r_.scalar_text(v)) == "all") {
            all = true;
            return true;
        }
        d.at(r_.value_pos(e), std::string("works: expected ") + kExpectWorks + ", got " +
                                  r_.describe(v) +
                                  " (a plain word is read as a keyword; quote a work ID that is "
                                  "a word)");
        return false;
    }
    if (ty != ValueType::Sequence) {
        auto id = r_.id(v, "works", r_.value_pos(e));
        if (id) works.push_back(*id);
        return id.has_value();
    }
    bool ok = true;
    std::size_t i = 0;
    for (int c = r_.tree().first_child(v); c >= 0; c = r_.tree().next_sibling(c), ++i) {
        auto text = r_.scalar_text(c);
        if (r_.is_plain(c) && text && to_lower(*text) == "all") {
            d.at(r_.pos(c), "works[" + std::to_string(i) +
                                "]: all means every work and cannot be one of a list; write "
                                "works: all");
            ok = false;
        }
    }
    return r_.id_list(v, "works", r_.value_pos(e), works) && ok;
}

}  // namespace qbi::jobs::detail
