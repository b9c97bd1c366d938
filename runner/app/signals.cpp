#include "runner/app/signals.h"

#include <pthread.h>
#include <signal.h>

namespace qbi::app {

namespace {
sigset_t our_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}
}  // namespace

void block_signals() {
    sigset_t set = our_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void unblock_signals() {
    sigset_t set = our_signals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

// The watcher thread waits with no timeout; the destructor wakes it with this signal, sent to
// that thread alone (it is blocked there from the start, so it stays pending until taken).
constexpr int kWakeSignal = SIGUSR1;

SignalWatcher::SignalWatcher() {
    // The thread starts with our signals and the wake signal blocked, whatever the caller's
    // mask: a wake sent before it first waits is kept, never acted on by default.
    sigset_t set = our_signals();
    sigaddset(&set, kWakeSignal);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &set, &old);
    // The caller's mask comes back whether or not the thread could be started.
    struct Restore {
        const sigset_t& mask;
        ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
    } restore{old};
    thread_ = std::thread([this, set] {
        while (!quit_.load()) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0) continue;
            if (sig == SIGHUP) {
                reload_ = true;
            } else if (sig == SIGINT || sig == SIGTERM) {
                stop_signal_ = sig;
                stop_ = true;
            }
        }
    });
}

SignalWatcher::~SignalWatcher() {
    if (!thread_.joinable()) return;
    quit_ = true;
    // At once: the process does not wait for a polling tick when a command ends.
    pthread_kill(thread_.native_handle(), kWakeSignal);
    thread_.join();
}

}  // namespace qbi::app
