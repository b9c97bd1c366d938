#include "runner/app/inbox_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runner/core/log.h"

namespace qbi::app {

namespace {
constexpr std::int64_t kRetryMs = 2000;
constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO;
}  // namespace

InboxWatch::InboxWatch(Inbox inbox) : inbox_(std::move(inbox)) {
    start();
}

void InboxWatch::start() {
    fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (fd_.valid()) watch_ = ::inotify_add_watch(fd_.get(), inbox_.dir().c_str(), kEvents);
    if (watch_ < 0)
        log::warn("cannot watch the inbox " + inbox_.dir() + " (" + std::strerror(errno) +
                  "); it is scanned every 2 s instead: deliver files by renaming them into it");
    rescan_ = true;
}

bool InboxWatch::drain(std::set<std::string>& names) {
    alignas(inotify_event) char buf[16384];
    bool ok = true;
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t at = 0; at < n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
            if (ev->mask & IN_Q_OVERFLOW) ok = false;
            if (ev->mask & IN_IGNORED) {  // the folder was removed or unmounted
                log::warn("the inbox " + inbox_.dir() +
                          " is no longer watched; it is scanned every 2 s instead");
                watch_ = -1;
                ok = false;
            }
            if ((ev->mask & kEvents) && ev->len > 0) {
                std::string name(ev->name);
                if (inbox_candidate(name)) names.insert(name);
            }
            at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
    }
    return ok;
}

InboxScan InboxWatch::poll(queue::Store& store, const Config& cfg, std::int64_t now_ms,
                           const SubmitControl& control) {
    std::set<std::string> names;
    if (watch_ >= 0 && !drain(names)) rescan_ = true;
    if (watch_ < 0 && now_ms - last_full_ms_ >= kRetryMs) rescan_ = true;
    InboxScan s;
    if (rescan_) {
        rescan_ = false;
        last_full_ms_ = last_retry_ms_ = now_ms;
        retry_.clear();
        s = inbox_.scan(store, cfg, now_ms, control);
    } else {
        if (!retry_.empty() && now_ms - last_retry_ms_ >= kRetryMs) {
            names.insert(retry_.begin(), retry_.end());
            retry_.clear();
            last_retry_ms_ = now_ms;
        }
        if (names.empty()) return s;
        s = inbox_.submit(std::vector<std::string>(names.begin(), names.end()), store, cfg, now_ms,
                          control);
    }
    retry_.insert(s.retry.begin(), s.retry.end());
    return s;
}

}  // namespace qbi::app
