#include "runner/queue/types.h"

#include <array>
#include <utility>

namespace qbi::queue {

namespace {

constexpr std::array<std::pair<TaskState, std::string_view>, 5> kTaskStates{{
    {TaskState::Queued, "queued"},
    {TaskState::Running, "running"},
    {TaskState::Succeeded, "succeeded"},
    {TaskState::Failed, "failed"},
    {TaskState::Cancelled, "cancelled"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "?";
}

template <class E, std::size_t N>
std::optional<E> parse_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view name) {
    for (const auto& [v, n] : table)
        if (n == name) return v;
    return std::nullopt;
}

}  // namespace

std::string_view task_state_name(TaskState s) {
    return name_of(kTaskStates, s);
}
std::optional<TaskState> parse_task_state(std::string_view name) {
    return parse_of(kTaskStates, name);
}

std::string_view task_effect_name(TaskEffect e) {
    switch (e) {
        case TaskEffect::Succeeded:
            return "succeeded";
        case TaskEffect::Retried:
            return "retried";
        case TaskEffect::Failed:
            return "failed";
        case TaskEffect::Requeued:
            return "requeued";
        case TaskEffect::LeaseLost:
            return "lease_lost";
    }
    return "?";
}

JobState derive_job_state(const TaskCounts& c) {
    if (c.running > 0) return JobState::Running;
    if (c.queued > 0) return JobState::Queued;
    if (c.failed > 0) return JobState::Failed;
    if (c.cancelled > 0) return JobState::Cancelled;
    return JobState::Succeeded;
}

std::string_view job_state_name(JobState s) {
    switch (s) {
        case JobState::Queued:
            return "queued";
        case JobState::Running:
            return "running";
        case JobState::Succeeded:
            return "succeeded";
        case JobState::Failed:
            return "failed";
        case JobState::Cancelled:
            return "cancelled";
    }
    return "?";
}

}  // namespace qbi::queue
