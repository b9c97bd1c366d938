#include "runner/jobs/job_spec.h"

#include <Poco/SHA2Engine.h>

#include <algorithm>

#include "runner/core/hash.h"
#include "runner/core/strings.h"
#include "runner/jobs/job_schema.h"
#include "runner/jobs/read_scope.h"

namespace qbi::jobs {

bool is_read_action(std::string_view action) {
    return action == kActionQueryUserInfoByAccount || action == kActionListCollections ||
           action == kActionQuerySharesToUserList || action == kActionQueryShareList ||
           action == kActionQueryWorksByOrganization;
}

const std::vector<std::string>& api_actions() {
    static const std::vector<std::string> actions = {
        kActionQueryUserInfoByAccount,   kActionListCollections, kActionQuerySharesToUserList,
        kActionQueryWorksByOrganization, kActionQueryShareList,  kActionCancelCollection,
        kActionCancelReportShare};
    return actions;
}

std::string TaskSpec::key() const {
    std::string out = action;
    char sep = ' ';
    for (const auto& [name, value] : params) {
        out += sep;
        out += name;
        out += '=';
        out += value;
        sep = '&';
    }
    if (scope.empty()) return out;
    out += " | ";
    if (auto s = ReadScope::from_json(scope))
        out += s->key();
    else
        out += "invalid-scope sha256=" + sha256_hex(scope).substr(0, 32);
    return out;
}

std::string describe_call(const TaskSpec& task) {
    std::string out = task.action;
    for (const auto& [name, value] : task.params) {
        out += ' ';
        out += name;
        out += '=';
        out += value;
    }
    if (task.scope.empty()) return out;
    auto s = ReadScope::from_json(task.scope);
    return out + " (" + (s ? s->describe() : "an unreadable scope") + ")";
}

std::string ValidationError::to_string() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string compute_content_hash(const JobSpec& job) {
    std::vector<std::string> keys;
    keys.reserve(job.tasks.size());
    for (const TaskSpec& t : job.tasks) keys.push_back(t.key());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return detail::content_hash_of(job, keys);
}

// The canonical form, one "<field> <value>" line each, values JSON-escaped so no value can
// forge a line break:
//   qbi-job 1 / job <name> / description <text> / not_before <ms|-> / max_attempts <n|->
//   / task <key>   (one per distinct task, keys sorted)
// Hashed incrementally: a million-task job never exists as one string.
struct ContentHash::State {
    Poco::SHA2Engine sha{Poco::SHA2Engine::SHA_256};
    void line(std::string_view field, std::string_view value) {
        sha.update(field.data(), field.size());
        sha.update(' ');
        bool plain = std::none_of(value.begin(), value.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
        });
        if (plain) {
            sha.update(value.data(), value.size());
        } else {
            std::string escaped = json_escape(value);
            sha.update(escaped.data(), escaped.size());
        }
        sha.update('\n');
    }
};

ContentHash::ContentHash(const JobSpec& job) : s_(std::make_unique<State>()) {
    s_->line("qbi-job", "1");
    s_->line("job", job.name);
    s_->line("description", job.description);
    s_->line("not_before", job.not_before_ms ? std::to_string(*job.not_before_ms) : "-");
    s_->line("max_attempts", job.max_attempts ? std::to_string(*job.max_attempts) : "-");
}

ContentHash::~ContentHash() = default;

void ContentHash::add_key(std::string_view key) {
    s_->line("task", key);
}

std::string ContentHash::hex() {
    return Poco::DigestEngine::digestToHex(s_->sha.digest());
}

namespace detail {

std::string content_hash_of(const JobSpec& job, const std::vector<std::string>& sorted_keys) {
    ContentHash h(job);
    for (const std::string& k : sorted_keys) h.add_key(k);
    return h.hex();
}

}  // namespace detail

}  // namespace qbi::jobs
