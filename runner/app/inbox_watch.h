#pragma once
// How `serve` follows its inbox (inbox.h): inotify on the inbox folder for IN_CLOSE_WRITE (a
// file written in place, once its writer closed it) and IN_MOVED_TO (a file renamed into
// place), plus one scan of the whole inbox at the first poll (files that arrived while
// serve was down). A file still being written is never taken: no event names it before its
// writer closes it. Deferred entries (store errors) are tried again every 2 s; a full inotify
// queue (IN_Q_OVERFLOW) or a lost watch is followed by a scan of the whole inbox.
//
// Without inotify (no instance left, not supported), the inbox is scanned every 2 s and a
// warning says so: files must then be renamed into place.
//
// Thread-safety: used from one thread.
#include <cstdint>
#include <set>
#include <string>

#include "runner/app/inbox.h"

namespace qbi::app {

class InboxWatch {
public:
    // Starts watching `inbox` (prepared: Inbox::prepare succeeded).
    explicit InboxWatch(Inbox inbox);
    // Submits whatever became ready since the last poll. Does not wait for events; one read
    // of the inotify descriptor when idle.
    InboxScan poll(queue::Store& store, const Config& cfg, std::int64_t now_ms,
                   const SubmitControl& control = {});
    const Inbox& inbox() const { return inbox_; }
    bool watching() const { return watch_ >= 0; }

private:
    void start();
    bool drain(std::set<std::string>& names);  // false: the watch is lost or overflowed

    Inbox inbox_;
    UniqueFd fd_;
    int watch_ = -1;
    bool rescan_ = true;
    std::set<std::string> retry_;
    std::int64_t last_full_ms_ = 0, last_retry_ms_ = 0;
};

}  // namespace qbi::app
