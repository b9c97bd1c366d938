#include "runner/queue/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace qbi::queue {

Error io_error(const char* doing, const std::filesystem::path& p, int err) {
    return Error{kExitIoErr,
                 "cannot " + std::string(doing) + " " + p.string() + ": " + std::strerror(err)};
}

Status make_private_dirs(const std::filesystem::path& dir) {
    if (dir.empty()) return {};
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return {};
        return io_error("create folder", dir, ENOTDIR);
    }
    if (errno != ENOENT) return io_error("create folder", dir, errno);
    const std::filesystem::path parent = dir.parent_path();
    if (!parent.empty() && parent != dir) {
        if (auto st2 = make_private_dirs(parent); !st2) return st2;
    }
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno == EEXIST) return {};  // another process made it meanwhile
        return io_error("create folder", dir, errno);
    }
    if (::chmod(dir.c_str(), 0700) != 0) return io_error("set the mode of", dir, errno);
    return {};
}

Result<bool> create_private_file(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return false;
    if (errno != ENOENT) return io_error("open", path, errno);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST && ::stat(path.c_str(), &st) == 0) return false;  // a racing creator
        return io_error("create", path, errno);
    }
    if (::fchmod(fd, 0600) != 0) {
        int err = errno;
        ::close(fd);
        return io_error("set the mode of", path, err);
    }
    ::close(fd);
    return true;
}

}  // namespace qbi::queue
