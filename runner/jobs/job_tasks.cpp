// The tasks list of schema v1: each item's action, cancel-collection {user, works} and
// cancel-share {report, to-type, to} with scalar-or-list fan-out, and duplicate collapse. The
// discovery kinds are in job_discovery.cpp.
#include <algorithm>
#include <limits>

#include "runner/core/strings.h"
#include "runner/jobs/job_schema.h"

namespace qbi::jobs::detail {

namespace {

const std::vector<std::string>& actions() {
    static const std::vector<std::string> a = {"cancel-collection", "cancel-share", "offboard-user",
                                               "revoke-shares"};
    return a;
}

const char* kExpectAction = "cancel-collection, cancel-share, offboard-user or revoke-shares";

}  // namespace

std::string key_name(std::string_view key) {
    return json_escape(key.substr(0, 60));
}

std::string unknown_in(std::string_view key, std::string_view action,
                       const std::vector<std::string>& known, const std::string& expected) {
    std::string msg = "unknown key '" + key_name(key) + "' in " + std::string(action);
    std::string hint = nearest(key, known);
    return hint.empty() ? msg + "; expected " + expected : msg + "; did you mean '" + hint + "'?";
}

std::size_t saturating_add(std::size_t a, std::size_t b) {
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

std::size_t saturating_mul(std::size_t a, std::size_t b) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        return std::numeric_limits<std::size_t>::max();
    return a * b;
}

int find_value(const YamlTree& t, int map, std::string_view key) {
    for (int k = t.first_child(map); k >= 0;) {
        int v = t.next_sibling(k);
        if (v < 0) return -1;
        const YamlNode& kn = t.node(k);
        if (kn.kind == NodeKind::Scalar && t.text(kn) == key) return v;
        k = t.next_sibling(v);
    }
    return -1;
}

std::optional<std::string> share_to_type(std::string_view text) {
    std::string t = to_lower(text);
    if (t == "user" || t == "0") return "0";
    if (t == "group" || t == "1") return "1";
    if (t == "organization" || t == "organisation" || t == "2") return "2";
    return std::nullopt;
}

std::size_t TaskExpander::fan_out(int node) const {
    if (node < 0) return 0;
    const YamlNode& n = r_.tree().node(node);
    return n.kind == NodeKind::Sequence ? n.count : 1;
}

std::size_t TaskExpander::item_count(int c) const {
    const YamlTree& t = r_.tree();
    if (t.node(c).kind != NodeKind::Map) return 0;
    if (int body = find_value(t, c, "cancel-collection"); body >= 0) {
        if (t.node(body).kind == NodeKind::Map) return fan_out(find_value(t, body, "works"));
        return 0;
    }
    if (int share = find_value(t, c, "cancel-share"); share >= 0) {
        if (t.node(share).kind == NodeKind::Map)
            return saturating_mul(fan_out(find_value(t, share, "report")),
                                  fan_out(find_value(t, share, "to")));
        return 0;
    }
    return discovery_count(c);
}

std::size_t TaskExpander::raw_count(int tasks_list) const {
    const YamlTree& t = r_.tree();
    std::size_t total = 0;
    for (int c = t.first_child(tasks_list); c >= 0; c = t.next_sibling(c))
        if (!t.node(c).consumed) total = saturating_add(total, item_count(c));
    return total;
}

void TaskExpander::expand(int tasks_list, std::size_t expected, std::vector<TaskSpec>& out) {
    const YamlTree& t = r_.tree();
    if (sink_ == nullptr) {
        out.reserve(out.size() + expected);
        keys_.reserve(keys_.size() + expected);
    }
    std::size_t index = 0;
    for (int c = t.first_child(tasks_list); c >= 0; c = t.next_sibling(c), ++index)
        if (!t.node(c).consumed) item(c, index, out);
}

void TaskExpander::item(int node, std::size_t index, std::vector<TaskSpec>& out) {
    Diagnostics& d = r_.diag();
    std::string what = "tasks[" + std::to_string(index) + "]";
    if (r_.type(node) != ValueType::Map || r_.tree().node(node).count == 0) {
        d.at(r_.pos(node), what + ": expected a task (a map with one key: " + kExpectAction +
                               "), got " + r_.describe(node));
        return;
    }
    std::vector<MapEntry> entries = r_.entries(node);
    const MapEntry* action = nullptr;
    for (const MapEntry& e : entries) {
        if (std::find(actions().begin(), actions().end(), e.key) != actions().end()) {
            action = &e;
            break;
        }
    }
    if (action == nullptr) {
        if (entries.empty()) return;  // its keys were reported already
        const MapEntry& e = entries.front();
        std::string hint = nearest(e.key, actions());
        d.at(e.key_pos, "unknown action '" + key_name(e.key) + "'" +
                            (hint.empty() ? std::string("; expected ") + kExpectAction
                                          : "; did you mean '" + hint + "'?"));
        return;
    }
    for (const MapEntry& e : entries) {
        if (&e == action) continue;
        d.at(e.key_pos, "unexpected key '" + key_name(e.key) + "' beside '" +
                            std::string(action->key) +
                            "'; a task has one action, with its fields indented under it");
    }
    if (action->key == "cancel-collection")
        cancel_collection(*action, out);
    else if (action->key == "cancel-share")
        cancel_share(*action, out);
    else if (action->key == "offboard-user")
        offboard_user(*action, out);
    else
        revoke_shares(*action, out);
}

void TaskExpander::cancel_collection(const MapEntry& action, std::vector<TaskSpec>& out) {
    Diagnostics& d = r_.diag();
    int body = action.value;
    if (r_.type(body) != ValueType::Map || r_.tree().node(body).count == 0) {
        d.at(r_.value_pos(action),
             "cancel-collection: expected a map with user and works, got " + r_.describe(body));
        return;
    }
    static const std::vector<std::string> known = {"user", "works"};
    std::optional<std::string_view> user;
    std::vector<std::string_view> works;
    bool have_user = false, have_works = false, ok = true;
    for (const MapEntry& e : r_.entries(body)) {
        if (e.key == "user") {
            have_user = true;
            user =
                r_.id(e.value, "user", r_.value_pos(e), "; write one cancel-collection per user");
            ok = ok && user.has_value();
        } else if (e.key == "works") {
            have_works = true;
            ok = r_.id_list(e.value, "works", r_.value_pos(e), works) && ok;
        } else {
            d.at(e.key_pos, unknown_in(e.key, "cancel-collection", known, "user or works"));
        }
    }
    if (!have_user)
        d.at(r_.pos(body),
             std::string("cancel-collection: missing required key 'user'; expected ") + kExpectId);
    if (!have_works)
        d.at(r_.pos(body),
             "cancel-collection: missing required key 'works'; expected an ID or a list of IDs");
    if (!ok || !have_user || !have_works) return;
    for (std::string_view w : works)
        emit({kActionCancelCollection,
              {{"UserId", std::string(*user)}, {"WorksId", std::string(w)}}},
             out);
}

void TaskExpander::cancel_share(const MapEntry& action, std::vector<TaskSpec>& out) {
    Diagnostics& d = r_.diag();
    int body = action.value;
    if (r_.type(body) != ValueType::Map || r_.tree().node(body).count == 0) {
        d.at(r_.value_pos(action),
             "cancel-share: expected a map with report, to-type and to, got " + r_.describe(body));
        return;
    }
    static const std::vector<std::string> known = {"report", "to-type", "to"};
    std::vector<std::string_view> reports, to;
    std::optional<std::string> type;
    bool have_report = false, have_type = false, have_to = false, ok = true;
    for (const MapEntry& e : r_.entries(body)) {
        if (e.key == "report") {
            have_report = true;
            ok = r_.id_list(e.value, "report", r_.value_pos(e), reports) && ok;
        } else if (e.key == "to-type") {
            have_type = true;
            ValueType ty = r_.type(e.value);
            auto text = r_.scalar_text(e.value);
            if ((ty == ValueType::Text || ty == ValueType::Int) && text)
                type = share_to_type(*text);
            if (!type) {
                d.at(r_.value_pos(e), std::string("to-type: expected ") + kExpectToType + ", got " +
                                          r_.describe(e.value));
                ok = false;
            }
        } else if (e.key == "to") {
            have_to = true;
            ok = r_.id_list(e.value, "to", r_.value_pos(e), to) && ok;
        } else {
            d.at(e.key_pos, unknown_in(e.key, "cancel-share", known, "one of report, to-type, to"));
        }
    }
    if (!have_report)
        d.at(r_.pos(body),
             "cancel-share: missing required key 'report'; expected an ID or a list of IDs");
    if (!have_type)
        d.at(r_.pos(body), std::string("cancel-share: missing required key 'to-type'; expected ") +
                               kExpectToType);
    if (!have_to)
        d.at(r_.pos(body),
             "cancel-share: missing required key 'to'; expected an ID or a list of IDs");
    if (!ok || !have_report || !have_type || !have_to) return;
    for (std::string_view report : reports)
        for (std::string_view target : to)
            emit({kActionCancelReportShare,
                  {{"ReportId", std::string(report)},
                   {"ShareToIds", std::string(target)},
                   {"ShareToType", *type}}},
                 out);
}

void TaskExpander::emit(TaskSpec task, std::vector<TaskSpec>& out) {
    if (!r_.diag().empty()) return;  // the file is rejected; keep no tasks
    if (sink_ != nullptr) {
        (*sink_)(std::move(task));
        return;
    }
    keys_.emplace_back(task.key(), static_cast<std::uint32_t>(out.size()));
    out.push_back(std::move(task));
}

std::vector<std::string> TaskExpander::collapse(std::vector<TaskSpec>& out) {
    // Sorted by key, then by position: the first of equal keys is the earliest task.
    std::sort(keys_.begin(), keys_.end());
    std::vector<bool> keep(out.size(), false);
    std::vector<std::string> sorted;
    sorted.reserve(keys_.size());
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (!sorted.empty() && keys_[i].first == sorted.back()) continue;
        keep[keys_[i].second] = true;
        sorted.push_back(std::move(keys_[i].first));
    }
    keys_.clear();
    keys_.shrink_to_fit();
    std::size_t w = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!keep[i]) continue;
        if (w != i) out[w] = std::move(out[i]);
        ++w;
    }
    out.resize(w);
    return sorted;
}

}  // namespace qbi::jobs::detail
