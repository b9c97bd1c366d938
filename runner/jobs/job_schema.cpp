#include "runner/jobs/job_schema.h"

#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::jobs::detail {

namespace {

const std::vector<std::string>& top_level_keys() {
    static const std::vector<std::string> keys = {"version",    "job",          "description",
                                                  "not_before", "max_attempts", "tasks"};
    return keys;
}

std::string unknown_key(std::string_view key, const std::vector<std::string>& known,
                        const std::string& expected) {
    std::string msg = "unknown key '" + json_escape(key.substr(0, 60)) + "'";
    std::string hint = nearest(key, known);
    if (!hint.empty()) return msg + "; did you mean '" + hint + "'?";
    return msg + "; expected " + expected;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

bool is_version_1(ValueType ty, std::string_view text) {
    return text == "1" && (ty == ValueType::Int || ty == ValueType::Text);
}

class JobValidator {
public:
    JobValidator(const YamlTree& tree, Diagnostics& diag, const JobLimits& limits,
                 const TaskSink* sink, const StreamedTasks* streamed)
        : t_(tree), d_(diag), limits_(limits), sink_(sink), streamed_(streamed), r_(tree, diag) {}

    std::optional<JobSpec> run() {
        if (t_.empty()) {
            d_.whole_file("empty file; expected a job (a map with version, job and tasks)");
            return std::nullopt;
        }
        int root = t_.root();
        if (r_.type(root) != ValueType::Map) {
            // A file that is not a job at all (e.g. a key file) is never quoted back: its text
            // may be a secret, and the message may end up in an inbox's .error file.
            ValueType ty = r_.type(root);
            d_.at(r_.pos(root), std::string("expected a job (a map with version, job and tasks), "
                                            "got ") +
                                    (ty == ValueType::Sequence ? "a list" : "a single value"));
            return std::nullopt;
        }
        std::vector<MapEntry> entries = r_.entries(root);
        if (!version_supported(root, entries)) return std::nullopt;

        JobSpec spec;
        bool have_job = false;
        const MapEntry* tasks = nullptr;
        for (const MapEntry& e : entries) {
            if (e.key == "version") continue;
            if (e.key == "job") {
                have_job = true;
                if (auto name = r_.job_name(e.value, "job", r_.value_pos(e))) spec.name = *name;
            } else if (e.key == "description") {
                description(e, spec);
            } else if (e.key == "not_before") {
                not_before(e, spec);
            } else if (e.key == "max_attempts") {
                max_attempts(e, spec);
            } else if (e.key == "tasks") {
                tasks = &e;
            } else {
                d_.at(e.key_pos, unknown_key(e.key, top_level_keys(),
                                             "one of version, job, description, not_before, "
                                             "max_attempts, tasks"));
            }
        }
        if (!have_job)
            d_.at(r_.pos(root),
                  std::string("missing required key 'job'; expected ") + kExpectJobName);
        if (tasks == nullptr)
            d_.at(r_.pos(root), "missing required key 'tasks'; expected a list of tasks");
        else
            task_list(*tasks, spec);
        if (!d_.empty()) return std::nullopt;
        if (sink_ == nullptr) spec.content_hash = content_hash_of(spec, sorted_keys_);
        return spec;
    }

private:
    // false: stop here (a version this reader does not know; its other keys mean nothing to us)
    bool version_supported(int root, const std::vector<MapEntry>& entries) {
        for (const MapEntry& e : entries) {
            if (e.key != "version") continue;
            ValueType ty = r_.type(e.value);
            std::optional<std::string_view> text = r_.scalar_text(e.value);
            if (ty == ValueType::Null || !text) {
                d_.at(r_.value_pos(e), "version: expected 1, got " + r_.describe(e.value));
                return true;
            }
            if (is_version_1(ty, *text)) return true;
            d_.at(r_.value_pos(e), "unsupported version " + json_escape(text->substr(0, 40)) +
                                       "; this qbi-runner reads version 1");
            return false;
        }
        d_.at(r_.pos(root), "missing required key 'version'; expected version: 1");
        return true;
    }

    void description(const MapEntry& e, JobSpec& spec) {
        ValueType ty = r_.type(e.value);
        if (ty == ValueType::Null) return;
        auto text = r_.scalar_text(e.value);
        if (!text || ty == ValueType::OtherTag) {
            d_.at(r_.value_pos(e), "description: expected text, got " + r_.describe(e.value));
            return;
        }
        spec.description = std::string(*text);
    }

    void not_before(const MapEntry& e, JobSpec& spec) {
        static const std::string expected =
            "not_before: expected an RFC 3339 date-time with a UTC offset "
            "(e.g. 2026-11-30T18:00:00+08:00), got ";
        ValueType ty = r_.type(e.value);
        auto text = r_.scalar_text(e.value);
        if (ty == ValueType::Null || !text) {
            d_.at(r_.value_pos(e), expected + r_.describe(e.value));
            return;
        }
        if (auto ms = parse_rfc3339(*text)) {
            spec.not_before_ms = *ms;
            return;
        }
        std::string t(*text);
        if (parse_rfc3339(t + "Z")) {
            d_.at(r_.value_pos(e), "not_before: " + quoted(t) +
                                       " has no UTC offset; write it with one, e.g. " + t +
                                       "+08:00 or " + t + "Z");
            return;
        }
        d_.at(r_.value_pos(e), expected + r_.describe(e.value));
    }

    void max_attempts(const MapEntry& e, JobSpec& spec) {
        ValueType ty = r_.type(e.value);
        auto text = r_.scalar_text(e.value);
        if ((ty == ValueType::Int || ty == ValueType::Text) && text && all_digits(*text) &&
            text->size() <= 3) {
            int n = std::stoi(std::string(*text));
            if (n >= 1 && n <= 100) {
                spec.max_attempts = n;
                return;
            }
        }
        d_.at(r_.value_pos(e),
              "max_attempts: expected an integer from 1 to 100, got " + r_.describe(e.value));
    }

    void task_list(const MapEntry& e, JobSpec& spec) {
        if (r_.type(e.value) != ValueType::Sequence) {
            d_.at(r_.value_pos(e), "tasks: expected a list of tasks, got " + r_.describe(e.value));
            return;
        }
        if (t_.node(e.value).count == 0) {
            d_.at(r_.value_pos(e), "tasks: the list is empty; a job needs at least one task");
            return;
        }
        TaskExpander expander(r_, sink_);
        std::size_t raw = saturating_add(expander.raw_count(e.value),
                                         streamed_ != nullptr ? streamed_->raw() : 0);
        if (raw > limits_.max_tasks) {
            d_.at(e.key_pos, "tasks: the job expands to " + std::to_string(raw) +
                                 " tasks, over the limit of " + std::to_string(limits_.max_tasks) +
                                 " (raise jobs.max_tasks to accept more)");
            return;
        }
        expander.expand(e.value, raw, spec.tasks);
        if (d_.empty() && sink_ == nullptr) sorted_keys_ = expander.collapse(spec.tasks);
    }

    const YamlTree& t_;
    Diagnostics& d_;
    const JobLimits& limits_;
    const TaskSink* sink_;
    const StreamedTasks* streamed_;
    ValueReader r_;
    std::vector<std::string> sorted_keys_;
};

}  // namespace

std::optional<JobSpec> validate_job(const YamlTree& tree, Diagnostics& diag,
                                    const JobLimits& limits, const TaskSink* sink,
                                    const StreamedTasks* streamed) {
    return JobValidator(tree, diag, limits, sink, streamed).run();
}

StreamedTasks::StreamedTasks(Diagnostics& diag, const JobLimits& limits, const TaskSink& sink)
    : diag_(diag), limits_(limits), sink_(sink) {
    hook_.key = "tasks";
    hook_.fn = [this](const YamlTree& tree, int item, std::size_t ordinal) {
        return take(tree, item, ordinal);
    };
}

bool StreamedTasks::version_first(const YamlTree& t) {
    // The root map's entries before `tasks` are complete: key, value, key, value, ...
    ValueReader r(t, diag_);
    for (int k = t.first_child(t.root()); k >= 0; k = t.next_sibling(t.next_sibling(k))) {
        int v = t.next_sibling(k);
        if (v < 0) break;  // `tasks` itself, whose value is being filled
        auto key = r.scalar_text(k);
        if (!key || *key != "version") continue;
        auto text = r.scalar_text(v);
        return text && is_version_1(r.type(v), *text);
    }
    return false;
}

bool StreamedTasks::take(const YamlTree& t, int item, std::size_t ordinal) {
    if (!version_first_) version_first_ = version_first(t);
    if (!*version_first_) return false;
    ValueReader r(t, diag_);
    TaskExpander expander(r, &sink_);
    raw_ = saturating_add(raw_, expander.item_count(item));
    std::vector<TaskSpec> none;  // tasks go to the sink
    if (raw_ <= limits_.max_tasks) expander.item(item, ordinal, none);
    return true;
}

}  // namespace qbi::jobs::detail
