#pragma once
// Reading job files (schema v1, design §3): parse, validate, expand. A file either yields one
// JobSpec or is rejected whole with every error found (up to JobLimits::max_errors), each
// naming file:line:column and what was expected. Nothing here throws for bad input: yaml-cpp
// and I/O failures become ValidationErrors.
//
// Thread-safety: pure functions over their arguments; safe to call concurrently.
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "runner/jobs/job_spec.h"

namespace qbi::jobs {

// A JobSpec, or the non-empty list of errors that rejected the file (sorted by position).
class JobFileResult {
public:
    JobFileResult(JobSpec job) : v_(std::move(job)) {}  // NOLINT: implicit
    JobFileResult(std::vector<ValidationError> errors) : v_(std::move(errors)) {}  // NOLINT
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    JobSpec& job() { return std::get<0>(v_); }
    const JobSpec& job() const { return std::get<0>(v_); }
    const std::vector<ValidationError>& errors() const { return std::get<1>(v_); }

private:
    std::variant<JobSpec, std::vector<ValidationError>> v_;
};

// Reads and validates the file at `path`; errors and JobSpec::source_file name it as given.
// File-level failures are one error with line 0:
//   "cannot read: <strerror>"            (missing, a directory, unreadable, read error)
//   "cannot read: a FIFO, not a regular file" (any file that is not a regular file: the open
//     does not block and the kind is checked on the opened descriptor, core/files.h)
//   "file is N bytes, over the limit of M bytes (raise jobs.max_file_bytes to accept it)"
//     (checked with fstat before reading; a file that grows past the limit while it is read:
//     "file is over the limit of M bytes (raise jobs.max_file_bytes to accept it)")
// Then, in this order, each stage stopping the file when it reports anything:
//   bytes   - invalid UTF-8 (first bad byte only), tabs in indentation, control characters
//   YAML    - "YAML syntax error: <yaml-cpp's message>", a second document, nesting too deep
//   schema  - every schema error, up to JobLimits::max_errors
// A UTF-8 byte order mark is skipped; columns count characters, not bytes.
JobFileResult parse_job_file(const std::string& path, const JobLimits& limits = {});

// The same for a regular file already open on `fd` (the inbox opens its entries itself, see
// runner/app/inbox.h); `display_name` stands for the file in errors and in the JobSpec.
JobFileResult parse_job_fd(int fd, const std::string& display_name, const JobLimits& limits = {});

// The file-level part of parse_job_file / parse_job_fd: the bytes of the file, or its one
// line-0 error (for the streamed submit, which parses with parse_job_text_streamed).
std::variant<std::string, ValidationError> read_job_text(const std::string& path,
                                                         const JobLimits& limits = {});
std::variant<std::string, ValidationError> read_job_fd(int fd, const std::string& display_name,
                                                       const JobLimits& limits = {});

// Validates job text already in memory; `display_name` stands for the file in errors.
JobFileResult parse_job_text(std::string_view text, const std::string& display_name,
                             const JobLimits& limits = {});

// The same validation, but the tasks are never held: each task the file expands to goes to
// `sink` as validation reaches it, in file order, duplicates included (the receiver collapses
// them by TaskSpec::key()). On success the JobSpec has no tasks and an empty content_hash (the
// receiver computes it with ContentHash over the distinct keys, sorted). On errors, tasks
// already passed to the sink belong to a rejected file: the receiver discards them. Memory:
// the text and its parsed tree, not the expansion (a 12 KB file may fan out to 1M tasks).
JobFileResult parse_job_text_streamed(std::string_view text, const std::string& display_name,
                                      const JobLimits& limits, const TaskSink& sink);

// The same, reading a regular file open on `fd` in pieces as it parses (pread: the file offset
// is left alone): memory is one piece, the job's header and one item of `tasks` at a time,
// never the text (a 48 MB file of 1M tasks submits in under 100 MB). Results and messages are
// parse_job_text_streamed's for the same bytes: a file whose bytes check_text would refuse, or
// one over the size limit or that cannot be read, is read again whole to word the refusal.
JobFileResult parse_job_fd_streamed(int fd, const std::string& display_name,
                                    const JobLimits& limits, const TaskSink& sink);

}  // namespace qbi::jobs
