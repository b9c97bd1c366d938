#pragma once
// Opening files that someone else may have put there (job files, the inbox's entries,
// credential files) without being fooled or hung by them.
//
// open_regular_file() opens for reading with O_NONBLOCK (a FIFO with no writer cannot hang the
// open, and a FIFO is then refused: reading one would wait for ever), O_NOCTTY and O_CLOEXEC,
// and with O_NOFOLLOW when asked (the last component may not be a symbolic link). The kind of
// file is checked with fstat on the descriptor that was opened, so nothing can be swapped in
// between a check and the open. Only a regular file is returned (its O_NONBLOCK cleared).
//
// replace_file() is the one way the project writes a file that others read while it may be
// rewritten (the report, the metrics textfile, qbi-sim's state and port files).
//
// Thread-safety: functions over their arguments; UniqueFd is a plain owning value.
#include <sys/stat.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "runner/core/result.h"

namespace qbi {

// An owned file descriptor, closed on destruction. Movable, not copyable.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// "a directory", "a FIFO", "a socket", "a character device", "a block device", "a symbolic
// link", "a regular file", or "a special file".
std::string file_kind(mode_t mode);

struct OpenedFile {
    UniqueFd fd;
    struct stat st {};
};

enum class Follow { Yes, No };

// Opens `path` (relative to `dir_fd`; AT_FDCWD for the working directory) as described above.
// Error messages (callers put them in their own sentence):
//   strerror(errno)                          the open failed ("No such file or directory"):
//                                            code kExitIoErr; the others have kExitDataErr
//   "Is a directory"                         a directory (the wording of EISDIR)
//   "a symbolic link, not a regular file"    with Follow::No, when the name is a symlink
//   "a FIFO, not a regular file"             any other kind, named by file_kind()
Result<OpenedFile> open_regular_file(int dir_fd, const std::string& path, Follow follow);

// Reads `fd` to its end; stops, with `over` set, as soon as more than `limit` bytes were read
// (the caller words that refusal). The text is sized from fstat's length up front (a file that
// grows meanwhile still reads whole, up to the limit). Error: strerror of a failed read.
Result<std::string> read_to_end(int fd, std::size_t limit, bool& over);

// Writes all of `data` to `fd`, again after EINTR: 0, or the errno of the write that failed.
int write_all(int fd, std::string_view data);

// Replaces `path` atomically (a reader sees the old file or the new one, never a part): `fill`
// writes the content into a new temporary file beside it (".NAME.tmp-XXXXXX", made by
// mkostemp, so never an existing file or a link), which then gets `mode` whatever the umask,
// is fsync'd, closed and renamed over `path`. On any failure the temporary file is removed and
// `path` is left as it was. An error `fill` returns comes back unchanged; a failed step of
// this function's own is kExitIoErr with strerror(errno) as its message, for the caller's
// own sentence.
Status replace_file(const std::string& path, mode_t mode,
                    const std::function<Status(int fd)>& fill);
// The same with `content` as the whole file; a failed write is kExitIoErr with its strerror.
Status replace_file(const std::string& path, mode_t mode, std::string_view content);

}  // namespace qbi
