#include "runner/jobs/job_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "runner/core/files.h"
#include "runner/jobs/diagnostics.h"
#include "runner/jobs/job_schema.h"
#include "runner/jobs/text_checks.h"
#include "runner/jobs/yaml_tree.h"

namespace qbi::jobs {

namespace {

// yaml-cpp keeps byte offsets in an int and the tree in 32 bits: the limit never goes beyond.
std::size_t effective_limit(const JobLimits& limits) {
    return std::min<std::size_t>(limits.max_file_bytes, INT_MAX - 1);
}

std::string too_large(std::size_t size, std::size_t limit) {
    return "file is " + std::to_string(size) + " bytes, over the limit of " +
           std::to_string(limit) + " bytes (raise jobs.max_file_bytes to accept it)";
}

std::string too_large_unknown(std::size_t limit) {
    return "file is over the limit of " + std::to_string(limit) +
           " bytes (raise jobs.max_file_bytes to accept it)";
}

JobFileResult one_error(const std::string& file, std::string message) {
    return std::vector<ValidationError>{{file, 0, 0, std::move(message)}};
}

}  // namespace

std::variant<std::string, ValidationError> read_job_text(const std::string& path,
                                                         const JobLimits& limits) {
    auto f = open_regular_file(AT_FDCWD, path, Follow::Yes);
    if (!f) return ValidationError{path, 0, 0, "cannot read: " + f.error().message};
    return read_job_fd(f->fd.get(), path, limits);
}

std::variant<std::string, ValidationError> read_job_fd(int fd, const std::string& display_name,
                                                       const JobLimits& limits) {
    const std::size_t limit = effective_limit(limits);
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return ValidationError{display_name, 0, 0,
                               std::string("cannot read: ") + std::strerror(errno)};
    // Measured before it is read (it may still grow: read_to_end stops past the limit).
    if (static_cast<std::uint64_t>(st.st_size) > limit)
        return ValidationError{display_name, 0, 0,
                               too_large(static_cast<std::size_t>(st.st_size), limit)};
    bool over = false;
    auto text = read_to_end(fd, limit, over);
    if (!text) return ValidationError{display_name, 0, 0, "cannot read: " + text.error().message};
    if (over) return ValidationError{display_name, 0, 0, too_large_unknown(limit)};
    return std::move(*text);
}

JobFileResult parse_job_fd(int fd, const std::string& display_name, const JobLimits& limits) {
    auto text = read_job_fd(fd, display_name, limits);
    if (auto* e = std::get_if<ValidationError>(&text)) return std::vector<ValidationError>{*e};
    return parse_job_text(std::get<std::string>(text), display_name, limits);
}

JobFileResult parse_job_file(const std::string& path, const JobLimits& limits) {
    auto text = read_job_text(path, limits);
    if (auto* e = std::get_if<ValidationError>(&text)) return std::vector<ValidationError>{*e};
    return parse_job_text(std::get<std::string>(text), path, limits);
}

namespace {

JobFileResult parse_text(std::string_view text, const std::string& display_name,
                         const JobLimits& limits, const TaskSink* sink) {
    const std::size_t limit = effective_limit(limits);
    if (text.size() > limit) return one_error(display_name, too_large(text.size(), limit));
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark

    detail::SourceMap map(text);
    detail::Diagnostics diag(display_name, map, limits.max_errors);
    std::optional<JobSpec> job;
    try {
        if (detail::check_text(text, diag)) {
            // A streamed parse expands the items of `tasks` as they are read (StreamedTasks).
            std::optional<detail::StreamedTasks> streamed;
            if (sink != nullptr) streamed.emplace(diag, limits, *sink);
            auto parsed = detail::parse_yaml(text, streamed ? &streamed->hook() : nullptr);
            if (auto* err = std::get_if<detail::YamlParseError>(&parsed))
                diag.at(err->pos, err->message);
            else
                job = detail::validate_job(std::get<detail::YamlTree>(parsed), diag, limits, sink,
                                           streamed ? &*streamed : nullptr);
        }
    } catch (const detail::TooManyErrors&) {
        job.reset();
    }
    if (!job || !diag.empty()) return diag.take();
    job->source_file = display_name;
    return std::move(*job);
}

}  // namespace

JobFileResult parse_job_text(std::string_view text, const std::string& display_name,
                             const JobLimits& limits) {
    return parse_text(text, display_name, limits, nullptr);
}

JobFileResult parse_job_text_streamed(std::string_view text, const std::string& display_name,
                                      const JobLimits& limits, const TaskSink& sink) {
    return parse_text(text, display_name, limits, &sink);
}

}  // namespace qbi::jobs
