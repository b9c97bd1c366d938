#include "runner/app/signals.h"

#include <pthread.h>
#include <signal.h>

#include <ctime>

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

SignalWatcher::SignalWatcher() {
    thread_ = std::thread([this] {
        sigset_t set = our_signals();
        timespec tick{0, 100 * 1000 * 1000};  // re-check quit_ every 100 ms
        while (!quit_.load()) {
            int sig = sigtimedwait(&set, nullptr, &tick);
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
    quit_ = true;
    if (thread_.joinable()) thread_.join();
}

}  // namespace qbi::app
