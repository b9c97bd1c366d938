#include "runner/core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "runner/core/exit_codes.h"

namespace qbi {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::string file_kind(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "a special file";
}

Result<OpenedFile> open_regular_file(int dir_fd, const std::string& path, Follow follow) {
    int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    if (follow == Follow::No) flags |= O_NOFOLLOW;
    OpenedFile f;
    f.fd.reset(::openat(dir_fd, path.c_str(), flags));
    if (!f.fd.valid()) {
        int err = errno;
        // O_NOFOLLOW on a symbolic link fails with ELOOP: say what it is.
        struct stat lst {};
        if (follow == Follow::No && err == ELOOP &&
            ::fstatat(dir_fd, path.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
            return Error{kExitDataErr, "a symbolic link, not a regular file"};
        return Error{kExitIoErr, std::strerror(err)};
    }
    if (::fstat(f.fd.get(), &f.st) != 0) return Error{kExitIoErr, std::strerror(errno)};
    if (S_ISDIR(f.st.st_mode)) return Error{kExitDataErr, std::strerror(EISDIR)};
    if (!S_ISREG(f.st.st_mode))
        return Error{kExitDataErr, file_kind(f.st.st_mode) + ", not a regular file"};
    int fl = ::fcntl(f.fd.get(), F_GETFL);
    if (fl >= 0) ::fcntl(f.fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    return f;
}

Result<std::string> read_to_end(int fd, std::size_t limit, bool& over) {
    over = false;
    std::string text;
    // Sized once from the file's length (a regular file): growing by doubling would hold up
    // to 1.5x the text, the old and the new buffer, at the peak.
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        text.reserve(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), limit) + 1);
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{kExitIoErr, std::strerror(errno)};
        }
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > limit) {
            over = true;
            return text;
        }
    }
}

int write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

Status replace_file(const std::string& path, mode_t mode,
                    const std::function<Status(int fd)>& fill) {
    const std::filesystem::path p(path);
    std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".tmp-XXXXXX")).string();
    UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd.valid()) return Error{kExitIoErr, std::strerror(errno)};
    const auto failed = [&tmp](Error e) -> Status {
        ::unlink(tmp.c_str());
        return e;
    };
    if (Status st = fill(fd.get()); !st) return failed(st.error());
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0 || ::close(fd.release()) != 0 ||
        ::rename(tmp.c_str(), path.c_str()) != 0)
        return failed(Error{kExitIoErr, std::strerror(errno)});
    return {};
}

Status replace_file(const std::string& path, mode_t mode, std::string_view content) {
    return replace_file(path, mode, [content](int fd) -> Status {
        if (const int e = write_all(fd, content); e != 0)
            return Error{kExitIoErr, std::strerror(e)};
        return {};
    });
}

}  // namespace qbi
