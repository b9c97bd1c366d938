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

constexpr std::array<std::pair<AttemptOutcome, std::string_view>, 7> kOutcomes{{
    {AttemptOutcome::Done, "done"},
    {AttemptOutcome::AlreadyAbsent, "already_absent"},
    {AttemptOutcome::Retryable, "retryable"},
    {AttemptOutcome::Permanent, "permanent"},
    {AttemptOutcome::HaltAuth, "halt_auth"},
    {AttemptOutcome::HaltPermission, "halt_permission"},
    {AttemptOutcome::Interrupted, "interrupted"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "?";
}

template <class E, std::size_t N>
bool parse_of(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view name,
              E& out) {
    for (const auto& [v, n] : table) {
        if (n == name) {
            out = v;
            return true;
        }
    }
    return false;
}

}  // namespace

std::string_view task_state_name(TaskState s) {
    return name_of(kTaskStates, s);
}
bool parse_task_state(std::string_view name, TaskState& out) {
    return parse_of(kTaskStates, name, out);
}

std::string_view attempt_outcome_name(AttemptOutcome o) {
    return name_of(kOutcomes, o);
}
bool parse_attempt_outcome(std::string_view name, AttemptOutcome& out) {
    return parse_of(kOutcomes, name, out);
}

std::string_view task_effect_name(TaskEffect e) {
    switch (e) {
        case TaskEffect::Succeeded:
            return "succeeded";
        case TaskEffect::Rescheduled:
            return "rescheduled";
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
