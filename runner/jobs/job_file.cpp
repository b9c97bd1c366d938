#include "runner/jobs/job_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

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

std::string cannot_read(int err) {
    return std::string("cannot read: ") + std::strerror(err);
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

std::variant<std::string, ValidationError> read_job_text(const std::string& path,
                                                         const JobLimits& limits) {
    const std::size_t limit = effective_limit(limits);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) return ValidationError{path, 0, 0, cannot_read(errno)};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return ValidationError{path, 0, 0, cannot_read(errno)};
    if (S_ISDIR(st.st_mode)) return ValidationError{path, 0, 0, cannot_read(EISDIR)};
    // A regular file is measured before it is read; other files (pipes) are read up to the limit.
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > limit)
        return ValidationError{path, 0, 0, too_large(static_cast<std::size_t>(st.st_size), limit)};
    std::string text;
    text.reserve(S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 4096);
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ValidationError{path, 0, 0, cannot_read(errno)};
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > limit) return ValidationError{path, 0, 0, too_large_unknown(limit)};
    }
    return text;
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
            auto parsed = detail::parse_yaml(text);
            if (auto* err = std::get_if<detail::YamlParseError>(&parsed))
                diag.at(err->pos, err->message);
            else
                job = detail::validate_job(std::get<detail::YamlTree>(parsed), diag, limits, sink);
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
