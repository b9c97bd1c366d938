#pragma once
// The service's inbox, off the engine's writer thread: a thread of its own with its own
// connection to the queue follows the inbox (InboxWatch: inotify, a scan at start) every
// `interval_ms` and submits what it finds (streamed, in bounded transactions: app/submit.h). A huge
// job file therefore never stalls the engine's commits, its progress or the systemd watchdog (sent
// from the writer loop) for longer than one submit chunk takes.
//
// Contract: start() polls at once (the first poll scans the whole inbox), then every interval
// until stop(); stop() (also the
// destructor) wakes the thread and joins it, letting a submit in progress finish its current
// file (the file is moved only once it is enqueued; interrupted between chunks, the next scan
// completes it). A connection that cannot be opened is logged and retried at the next scan.
//
// Thread-safety: start/stop/counts from one owning thread; the scans run on the worker's.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "runner/app/config.h"
#include "runner/app/inbox.h"
#include "runner/app/inbox_watch.h"
#include "runner/core/clock.h"

namespace qbi::app {

// The service's transactions are smaller than the command line's (kSubmitChunk), and 100 ms
// pass between two of them: the engine's writer, polling for the write lock, gets it within
// one chunk instead of losing the race to back-to-back transactions (measured: a 2.2 s
// watchdog gap under AddressSanitizer without the pause).
inline constexpr std::int64_t kServiceSubmitChunk = 5000;
inline constexpr std::int64_t kServiceSubmitPauseMs = 100;

class InboxWorker {
public:
    // `inbox` is prepared (Inbox::prepare succeeded).
    InboxWorker(Inbox inbox, Config config, std::string db_path, Clock& clock,
                std::int64_t interval_ms);
    const std::string& dir() const { return watch_.inbox().dir(); }
    ~InboxWorker();
    InboxWorker(const InboxWorker&) = delete;
    InboxWorker& operator=(const InboxWorker&) = delete;

    void start();
    // Asks the thread to stop (a submit in progress stops at its next task or chunk, leaving
    // its file in the inbox) without waiting.
    void request_stop();
    // request_stop(), then waits for the thread.
    void stop();
    // Files accepted and rejected since start (for status lines and tests).
    InboxScan totals() const;

private:
    void loop();

    InboxWatch watch_;  // used by the worker's thread only, once started
    Config config_;
    std::string db_path_;
    Clock& clock_;
    std::int64_t interval_ms_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;                // guarded by mu_ (the wait's condition)
    std::atomic<bool> cancel_{false};  // the same, read by a submit between tasks
    InboxScan totals_;
    std::thread thread_;
};

}  // namespace qbi::app
