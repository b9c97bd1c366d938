#include "runner/app/inbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "runner/app/submit.h"
#include "runner/core/files.h"
#include "runner/core/log.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::app {

namespace fs = std::filesystem;

Result<std::string> inbox_dir(const Config& cfg, const Env& env) {
    if (!cfg.inbox.empty()) return cfg.inbox;
    if (auto d = env("STATE_DIRECTORY")) return split(*d, ':')[0] + "/inbox";
    return Error{kExitConfig,
                 "no inbox directory: set serve.inbox in the configuration (or run "
                 "under systemd, which sets STATE_DIRECTORY)"};
}

bool inbox_candidate(std::string_view name) {
    if (name.empty() || name[0] == '.' || name.find('/') != std::string_view::npos) return false;
    auto ends = [&](std::string_view suffix) {
        return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
    };
    if (ends(".tmp")) return false;
    return ends(".yaml") || ends(".yml");
}

namespace {

// Creates `name` under `parent_fd` mode 0700 (whatever the umask) unless it exists, and opens
// it. Subfolders are opened with O_NOFOLLOW: a planted symlink is not followed.
Status private_dir(int parent_fd, const std::string& name, bool nofollow, UniqueFd& out,
                   const std::string& shown) {
    bool created = ::mkdirat(parent_fd, name.c_str(), 0700) == 0;
    if (!created && errno != EEXIST)
        return Error{kExitIoErr, "cannot create " + shown + ": " + std::strerror(errno)};
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0);
    out.reset(::openat(parent_fd, name.c_str(), flags));
    if (!out.valid())
        return Error{kExitIoErr, "cannot open " + shown + ": " + std::strerror(errno)};
    if (created && ::fchmod(out.get(), 0700) != 0)
        return Error{kExitIoErr, "cannot set the mode of " + shown + ": " + std::strerror(errno)};
    return {};
}

// renameat2(RENAME_NOREPLACE); where the file system lacks it, link + unlink (which refuses
// to overwrite too). false with errno set on failure (EEXIST: the target is taken).
bool move_noreplace(int from_fd, const std::string& from, int to_fd, const std::string& to) {
    if (::renameat2(from_fd, from.c_str(), to_fd, to.c_str(), RENAME_NOREPLACE) == 0) return true;
    if (errno != EINVAL && errno != ENOSYS) return false;
    if (::linkat(from_fd, from.c_str(), to_fd, to.c_str(), 0) != 0) return false;
    ::unlinkat(from_fd, from.c_str(), 0);
    return true;
}

std::string numbered(const std::string& name, int k) {
    return k == 0 ? name : name + "." + std::to_string(k);
}

constexpr int kMaxNumbered = 1000;

}  // namespace

Status Inbox::prepare() {
    std::error_code ec;
    fs::path parent = fs::path(dir_).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) return Error{kExitIoErr, "cannot create " + parent.string() + ": " + ec.message()};
    if (auto st = private_dir(AT_FDCWD, dir_, false, dir_fd_, dir_); !st) return st;
    if (auto st = private_dir(dir_fd_.get(), "accepted", true, accepted_fd_, dir_ + "/accepted");
        !st)
        return st;
    return private_dir(dir_fd_.get(), "rejected", true, rejected_fd_, dir_ + "/rejected");
}

InboxScan Inbox::scan(queue::Store& store, const Config& cfg, std::int64_t now_ms,
                      const SubmitControl& control) {
    std::vector<std::string> names;
    int fd = dir_fd_.valid() ? ::fcntl(dir_fd_.get(), F_DUPFD_CLOEXEC, 0) : -1;
    DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (d == nullptr) {
        log::error("cannot read the inbox " + dir_ + ": " + std::strerror(errno));
        if (fd >= 0) ::close(fd);
        return {};
    }
    ::rewinddir(d);
    while (const dirent* e = ::readdir(d))
        if (inbox_candidate(e->d_name)) names.emplace_back(e->d_name);
    ::closedir(d);
    return submit(std::move(names), store, cfg, now_ms, control);
}

InboxScan Inbox::submit(std::vector<std::string> names, queue::Store& store, const Config& cfg,
                        std::int64_t now_ms, const SubmitControl& control) {
    InboxScan s;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& name : names) {
        if (!inbox_candidate(name)) continue;
        if (control.cancelled && control.cancelled()) {
            ++s.deferred;
            s.retry.push_back(name);
            continue;
        }
        switch (submit_one(name, store, cfg, now_ms, control)) {
            case 1:
                ++s.accepted;
                break;
            case 2:
                ++s.rejected;
                break;
            case 3:
                ++s.deferred;
                s.retry.push_back(name);
                break;
            default:
                break;
        }
    }
    return s;
}

int Inbox::submit_one(const std::string& name, queue::Store& store, const Config& cfg,
                      std::int64_t now_ms, const SubmitControl& control) {
    const std::string path = dir_ + "/" + name;
    auto f = open_regular_file(dir_fd_.get(), name, Follow::No);
    if (!f) {
        if (f.error().message == std::strerror(ENOENT)) return 0;  // gone meanwhile
        reject(name, {path + ": cannot read: " + f.error().message}, now_ms);
        return 2;
    }
    if (f->st.st_nlink != 1) {
        // A hard link may be another file of the service's (a key file): never read it.
        reject(name,
               {path + ": cannot read: a file with " + std::to_string(f->st.st_nlink) +
                " hard links; the inbox takes files with one link only"},
               now_ms);
        return 2;
    }
    // Streamed (submit.h): a piece of the file and one item of its tree in memory, never the
    // tasks.
    SubmitOutcome o = submit_fd(store, path, f->fd.get(), cfg, control);
    f->fd.reset();
    switch (o.status) {
        case SubmitStatus::Submitted:
        case SubmitStatus::AlreadySubmitted: {
            log::info("inbox: " + describe(o));
            for (int k = 0; k < kMaxNumbered; ++k) {
                std::string to = numbered(name, k);
                if (move_noreplace(dir_fd_.get(), name, accepted_fd_.get(), to)) {
                    if (k > 0)
                        log::warn("inbox: " + name + " moved to accepted/" + to + " (accepted/" +
                                  name + " exists)");
                    return 1;
                }
                if (errno != EEXIST) break;
            }
            log::error("inbox: cannot move " + path + " into " + dir_ +
                       "/accepted: " + std::strerror(errno) + "; remove it from the inbox by hand");
            return 1;
        }
        case SubmitStatus::Invalid:
        case SubmitStatus::Refused:
            reject(name, o.errors, now_ms);
            return 2;
        case SubmitStatus::StoreError:
            log::error("inbox: " + describe(o) + "; the file stays in the inbox");
            return 3;
    }
    return 0;
}

void Inbox::reject(const std::string& name, const std::vector<std::string>& errors,
                   std::int64_t now_ms) {
    std::string text = "rejected at " + format_rfc3339_ms(now_ms) + "; nothing was enqueued\n";
    for (const auto& e : errors) text += printable(e) + "\n";
    for (int k = 0; k < kMaxNumbered; ++k) {
        const std::string to = numbered(name, k), error_name = to + ".error";
        // The .error first, exclusively: a planted file or symlink there is never written.
        UniqueFd err(::openat(rejected_fd_.get(), error_name.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!err.valid()) {
            if (errno == EEXIST) continue;
            log::error("inbox: cannot create " + dir_ + "/rejected/" + error_name + ": " +
                       std::strerror(errno) + "; " + name + " stays in the inbox");
            return;
        }
        if (!move_noreplace(dir_fd_.get(), name, rejected_fd_.get(), to)) {
            int why = errno;
            ::unlinkat(rejected_fd_.get(), error_name.c_str(), 0);
            if (why == EEXIST) continue;
            log::error("inbox: cannot move " + dir_ + "/" + name + " into " + dir_ +
                       "/rejected: " + std::strerror(why));
            return;
        }
        bool written = ::fchmod(err.get(), 0600) == 0 && write_all(err.get(), text) == 0;
        if (!written)
            log::error("inbox: cannot write " + dir_ + "/rejected/" + error_name + ": " +
                       std::strerror(errno));
        log::warn("inbox: " + name + " rejected (" + std::to_string(errors.size()) +
                  " error(s)); see " + dir_ + "/rejected/" + error_name +
                  (k > 0 ? " (rejected/" + name + " or its .error exists)" : ""));
        return;
    }
    log::error("inbox: " + name + " cannot be moved into " + dir_ +
               "/rejected: every numbered name up to " + std::to_string(kMaxNumbered) +
               " is taken");
}

}  // namespace qbi::app
