#pragma once
// Signals for the long-running commands (style.md §12). block_signals() must run in the main
// thread before any other thread starts, so every thread inherits the mask; SignalWatcher then
// receives SIGINT/SIGTERM/SIGHUP in one place (sigwait on its own thread) and records them in
// atomics the engine polls. Its destructor wakes that thread at once (SIGUSR1, sent to the
// thread alone), so a command does not linger after its work is done.
//
// Thread-safety: SignalWatcher's accessors are safe from any thread.
#include <atomic>
#include <thread>

namespace qbi::app {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and the threads it will start).
void block_signals();
// Restores the default mask for those signals in the calling thread.
void unblock_signals();

class SignalWatcher {
public:
    SignalWatcher();   // starts the receiving thread; block_signals() must have run
    ~SignalWatcher();  // stops and joins it
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    bool stop_requested() const { return stop_.load(); }
    int stop_signal() const { return stop_signal_.load(); }
    // True once per SIGHUP received (reading clears it).
    bool take_reload() { return reload_.exchange(false); }
    // For tests and for internal stops (e.g. --max-time): behave as if SIGTERM arrived.
    void request_stop() { stop_ = true; }
    const std::atomic<bool>& stop_flag() const { return stop_; }

private:
    std::atomic<bool> stop_{false};
    std::atomic<int> stop_signal_{0};
    std::atomic<bool> reload_{false};
    std::atomic<bool> quit_{false};
    std::thread thread_;
};

}  // namespace qbi::app
