// Job files rejected before their YAML is looked at: files that cannot be read, files over the
// size limit, bytes that are not UTF-8, tabs and control characters; and the task-count limit.
// Real files in a TempDir; each test asserts the complete message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/jobs_helpers.h"
#include "tests/support/temp_dir.h"

namespace qbi::jobs::test {
namespace {

using qbi::test::TempDir;
using ::testing::ElementsAre;

const char* kValid = "version: 1\njob: j\ntasks:\n- cancel-collection: {user: u, works: w}\n";

std::vector<std::string> file_errors(const std::string& path, const JobLimits& limits = {}) {
    JobFileResult r = parse_job_file(path, limits);
    if (r.ok()) return {"<valid>"};
    std::vector<std::string> out;
    for (const ValidationError& e : r.errors()) out.push_back(e.to_string());
    return out;
}

// A file read from disk carries its path in errors and in the JobSpec.
TEST(JobFile, ReadsAFileAndNamesIt) {
    TempDir dir;
    auto path = dir.write("ok.yaml", kValid).string();
    JobFileResult r = parse_job_file(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.job().source_file, path);
    EXPECT_EQ(r.job().tasks.size(), 1u);
    auto bad = dir.write("bad.yaml", "version: 3\n").string();
    EXPECT_THAT(file_errors(bad),
                ElementsAre(bad + ":1:10: unsupported version 3; this qbi-runner reads version 1"));
}

TEST(JobFile, MissingFile) {
    TempDir dir;
    std::string path = (dir / "nope.yaml").string();
    EXPECT_THAT(file_errors(path), ElementsAre(path + ": cannot read: No such file or directory"));
}

// A directory given where a file belongs (e.g. the inbox itself).
TEST(JobFile, Directory) {
    TempDir dir;
    std::string path = dir.path().string();
    EXPECT_THAT(file_errors(path), ElementsAre(path + ": cannot read: Is a directory"));
}

// A file without read permission. As root, permissions do not stop reads, so the parser runs
// in a child process that has dropped to the unprivileged user 65534.
TEST(JobFile, UnreadableFile) {
    TempDir dir;
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all |
                                                 std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_exec);
    std::string path = dir.write("secret.yaml", kValid, std::filesystem::perms::none).string();
    std::string expected = path + ": cannot read: Permission denied";
    if (::geteuid() != 0) {
        EXPECT_THAT(file_errors(path), ElementsAre(expected));
        return;
    }
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(fds[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
        std::string out;
        for (const auto& line : file_errors(path)) out += line + "\n";
        ssize_t n = ::write(fds[1], out.data(), out.size());
        ::_exit(n == static_cast<ssize_t>(out.size()) ? 0 : 3);
    }
    ::close(fds[1]);
    std::string got;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        got.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(got, expected + "\n");
}

// A file that opens but fails on read: /proc/self/mem at offset 0 (unmapped) answers EIO.
TEST(JobFile, ReadError) {
    EXPECT_THAT(file_errors("/proc/self/mem"),
                ElementsAre("/proc/self/mem: cannot read: Input/output error"));
}

// The size is checked before the file is read; the message names the key that raises it.
TEST(JobFile, OverTheDefaultSizeLimit) {
    TempDir dir;
    std::string path = (dir / "huge.yaml").string();
    {
        std::ofstream out(path, std::ios::binary);
        std::string line = "# " + std::string(1021, 'x') + "\n";  // 1 KiB
        for (int i = 0; i < 16 * 1024; ++i) out << line;
        out << kValid;
    }
    std::size_t size = std::filesystem::file_size(path);
    EXPECT_EQ(size, 16u * 1024 * 1024 + std::string(kValid).size());
    EXPECT_THAT(file_errors(path),
                ElementsAre(path + ": file is " + std::to_string(size) +
                            " bytes, over the limit of 16777216 bytes (raise jobs.max_file_bytes "
                            "to accept it)"));
    JobLimits raised;
    raised.max_file_bytes = size;
    EXPECT_THAT(file_errors(path, raised), ElementsAre("<valid>"));
}

TEST(JobFile, OverAConfiguredSizeLimit) {
    JobLimits limits;
    limits.max_file_bytes = 40;
    std::string text = kValid;  // 72 bytes
    EXPECT_THAT(errors_for(text, limits),
                ElementsAre("job.yaml: file is " + std::to_string(text.size()) +
                            " bytes, over the limit of 40 bytes (raise jobs.max_file_bytes to "
                            "accept it)"));
}

// A FIFO (here without a writer, which used to hang the open for ever) is refused at once.
TEST(JobFile, FifoIsRefused) {
    TempDir dir;
    std::string path = (dir / "fifo").string();
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    EXPECT_THAT(file_errors(path), ElementsAre(path + ": cannot read: a FIFO, not a regular file"));
}

// A file that is not a job at all (here a key file) is not quoted back: it may be a secret.
TEST(JobFile, NotAJobIsNotQuoted) {
    EXPECT_THAT(errors_for("access_key_id = LTAI5tKeyId\naccess_key_secret = Secret\n"),
                ElementsAre("job.yaml:1:1: expected a job (a map with version, job and tasks), "
                            "got a single value"));
}

// ---- bytes ---------------------------------------------------------------------------------

// Latin-1 text pasted into a UTF-8 file: the first bad byte, with an editor's column (the
// two-byte é before it counts as one column).
TEST(JobFile, NotUtf8) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ndescription: caf\xC3\xA9 cr\xE8me\n"),
                ElementsAre("job.yaml:3:21: invalid UTF-8 (byte 0xE8); job files must be UTF-8"));
    // A UTF-16 file starts with FF FE.
    EXPECT_THAT(errors_for(std::string("\xFF\xFEv\0e\0", 6)),
                ElementsAre("job.yaml:1:1: invalid UTF-8 (byte 0xFF); job files must be UTF-8"));
    // An overlong encoding of '/' and a truncated sequence at the end.
    EXPECT_THAT(errors_for("job: a\xC0\xAF"),
                ElementsAre("job.yaml:1:7: invalid UTF-8 (byte 0xC0); job files must be UTF-8"));
    EXPECT_THAT(errors_for("job: a\xE2\x80"),
                ElementsAre("job.yaml:1:7: invalid UTF-8 (byte 0xE2); job files must be UTF-8"));
}

// Tabs used to indent: every such line is reported at its tab.
TEST(JobFile, TabsInIndentation) {
    EXPECT_THAT(errors_for("version: 1\njob: j\ntasks:\n\t- cancel-collection:\n  \t    user: u\n"),
                ElementsAre("job.yaml:4:1: tab in indentation; YAML indents with spaces only",
                            "job.yaml:5:3: tab in indentation; YAML indents with spaces only"));
    // yaml-cpp also refuses them on blank and comment-only lines.
    EXPECT_THAT(errors_for("version: 1\njob: j\n\t\n \t# note\ntasks:\n"
                           "- cancel-collection: {user: u, works: w}\n"),
                ElementsAre("job.yaml:3:1: tab in indentation; YAML indents with spaces only",
                            "job.yaml:4:2: tab in indentation; YAML indents with spaces only"));
    // Tabs after the indentation (before a comment, inside a flow map) are fine.
    EXPECT_THAT(errors_for("version: 1\t# v\njob: j\ntasks:\n"
                           "- cancel-collection: {user: u,\tworks: w}\n"),
                ElementsAre("<valid>"));
}

TEST(JobFile, ControlCharacters) {
    EXPECT_THAT(
        errors_for("version: 1\njob: j\x07\ndescription: a\x7F\n"),
        ElementsAre("job.yaml:2:7: control character U+0007 is not allowed in a job file",
                    "job.yaml:3:15: control character U+007F is not allowed in a job file"));
}

// ---- task count ----------------------------------------------------------------------------

// The limit counts calls as written (3 reports x 2 targets = 6), before duplicates collapse.
TEST(JobFile, TaskLimit) {
    std::string text =
        "version: 1\njob: j\ntasks:\n"
        "  - cancel-share: {report: [r1, r2, r1], to-type: user, to: [u1, u2]}\n";
    JobLimits limits;
    limits.max_tasks = 5;
    EXPECT_THAT(errors_for(text, limits),
                ElementsAre("job.yaml:3:1: tasks: the job expands to 6 tasks, over the limit of 5 "
                            "(raise jobs.max_tasks to accept more)"));
    limits.max_tasks = 6;
    JobSpec job = job_for(text, limits);
    EXPECT_EQ(job.tasks.size(), 4u);
}

// Aliases cannot multiply work past the limit: 4 references to a 1000-element list count as
// 4000 tasks before any of them is expanded.
TEST(JobFile, TaskLimitCountsAliasedLists) {
    std::string text =
        "version: 1\njob: j\ntasks:\n"
        "  - cancel-collection: &t {user: u, works: [";
    for (int i = 0; i < 1000; ++i) text += (i ? ", w" : "w") + std::to_string(i);
    text += "]}\n  - cancel-collection: *t\n  - cancel-collection: *t\n  - cancel-collection: *t\n";
    JobLimits limits;
    limits.max_tasks = 3999;
    EXPECT_THAT(errors_for(text, limits),
                ElementsAre("job.yaml:3:1: tasks: the job expands to 4000 tasks, over the limit of "
                            "3999 (raise jobs.max_tasks to accept more)"));
    limits.max_tasks = 4000;
    EXPECT_EQ(job_for(text, limits).tasks.size(), 1000u);  // all four collapse into one
}

}  // namespace
}  // namespace qbi::jobs::test
