// parse_job_fd_streamed (job_file.h): a job file validated as it is read, in 64 KB pieces, so
// that neither its text nor its whole tree is ever in memory.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <istream>
#include <optional>
#include <streambuf>

#include "runner/jobs/diagnostics.h"
#include "runner/jobs/job_file.h"
#include "runner/jobs/job_schema.h"
#include "runner/jobs/text_checks.h"
#include "runner/jobs/yaml_tree.h"

namespace qbi::jobs {

namespace {

// Reads `fd` from `offset` with pread, screening every piece with TextScreen before the parser
// sees it. It ends the stream early, with stopped() set, at a piece the screen refuses, past
// `limit` bytes, or on a read error: what the parser made of the bytes before is then void.
class ScreenedFileBuf : public std::streambuf {
public:
    ScreenedFileBuf(int fd, off_t offset, std::size_t limit)
        : fd_(fd), offset_(offset), limit_(limit) {}

    bool stopped() const { return stopped_; }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        if (stopped_ || done_) return traits_type::eof();
        ssize_t n;
        do {
            n = ::pread(fd_, buf_.data(), buf_.size(), offset_);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return stop();
        if (n == 0) {
            done_ = true;
            return screen_.finish() ? traits_type::eof() : stop();
        }
        offset_ += n;
        read_ += static_cast<std::size_t>(n);
        if (read_ > limit_) return stop();
        if (!screen_.feed(std::string_view(buf_.data(), static_cast<std::size_t>(n))))
            return stop();
        setg(buf_.data(), buf_.data(), buf_.data() + n);
        return traits_type::to_int_type(*gptr());
    }

private:
    int_type stop() {
        stopped_ = true;
        return traits_type::eof();
    }

    int fd_;
    off_t offset_;
    std::size_t limit_;
    std::size_t read_ = 0;
    bool stopped_ = false;
    bool done_ = false;
    detail::TextScreen screen_;
    std::array<char, 65536> buf_{};
};

// The byte order mark's length at the start of `fd` (3 or 0).
off_t bom_length(int fd) {
    char head[3];
    ssize_t n;
    do {
        n = ::pread(fd, head, sizeof head, 0);
    } while (n < 0 && errno == EINTR);
    return n == 3 && std::string_view(head, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

// The in-memory path, for a file the streamed read stopped on: it words every refusal (bytes,
// size, read errors) exactly as parse_job_file does.
JobFileResult parse_whole(int fd, const std::string& display_name, const JobLimits& limits,
                          const TaskSink& sink) {
    if (::lseek(fd, 0, SEEK_SET) != 0)
        return std::vector<ValidationError>{
            {display_name, 0, 0, std::string("cannot read: ") + std::strerror(errno)}};
    auto text = read_job_fd(fd, display_name, limits);
    if (auto* e = std::get_if<ValidationError>(&text)) return std::vector<ValidationError>{*e};
    return parse_job_text_streamed(std::get<std::string>(text), display_name, limits, sink);
}

}  // namespace

JobFileResult parse_job_fd_streamed(int fd, const std::string& display_name,
                                    const JobLimits& limits, const TaskSink& sink) {
    struct stat st {};
    const std::size_t limit = std::min<std::size_t>(limits.max_file_bytes, INT_MAX - 1);
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) > limit)
        return parse_whole(fd, display_name, limits, sink);
    const off_t bom = bom_length(fd);
    // Errors are placed in the text read again, only if there are any.
    detail::SourceMap map([fd, bom, limit]() -> std::string {
        std::string text;
        char buf[65536];
        for (off_t at = bom;;) {
            ssize_t n = ::pread(fd, buf, sizeof buf, at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || text.size() > limit) return text;
            text.append(buf, static_cast<std::size_t>(n));
            at += n;
        }
    });
    detail::Diagnostics diag(display_name, map, limits.max_errors);
    std::optional<JobSpec> job;
    ScreenedFileBuf buf(fd, bom, limit - static_cast<std::size_t>(bom));
    try {
        std::istream in(&buf);
        detail::StreamedTasks streamed(diag, limits, sink);
        auto parsed = detail::parse_yaml(in, &streamed.hook());
        if (buf.stopped()) return parse_whole(fd, display_name, limits, sink);
        if (auto* err = std::get_if<detail::YamlParseError>(&parsed)) {
            // Alone, as the whole parse reports it: errors of an item the syntax error cut
            // short (reported while reading) would be guesses.
            detail::Diagnostics syntax(display_name, map, limits.max_errors);
            syntax.at(err->pos, err->message);
            return syntax.take();
        } else
            job = detail::validate_job(std::get<detail::YamlTree>(parsed), diag, limits, &sink,
                                       &streamed);
    } catch (const detail::TooManyErrors&) {
        if (buf.stopped()) return parse_whole(fd, display_name, limits, sink);
        job.reset();
    }
    if (!job || !diag.empty()) return diag.take();
    job->source_file = display_name;
    return std::move(*job);
}

}  // namespace qbi::jobs
