// sd_notify over a fake NOTIFY_SOCKET listener, and the watchdog interval rules.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "runner/app/sd_notify.h"
#include "runner/app/signals.h"
#include "tests/support/notify_listener.h"
#include "tests/support/temp_dir.h"

namespace qbi::app {
namespace {

TEST(Notify, DeliversDatagramsToAPathSocket) {
    test::TempDir dir;
    test::NotifyListener listener((dir / "notify").string());
    Notifier n(listener.path());
    ASSERT_TRUE(n.enabled());
    EXPECT_TRUE(n.send("READY=1"));
    EXPECT_TRUE(n.send("STATUS=3 queued, 1 running"));
    EXPECT_EQ(listener.receive(2000), "READY=1");
    EXPECT_EQ(listener.receive(2000), "STATUS=3 queued, 1 running");
}

TEST(Notify, NoSocketMeansNoOp) {
    Notifier n("");
    EXPECT_FALSE(n.enabled());
    EXPECT_FALSE(n.send("READY=1"));
    Notifier relative("relative/path");  // systemd only hands out absolute or abstract names
    EXPECT_FALSE(relative.enabled());
}

TEST(Notify, SocketGoneIsNotFatal) {
    test::TempDir dir;
    Notifier n((dir / "missing").string());
    EXPECT_FALSE(n.send("WATCHDOG=1"));
}

TEST(Notify, WatchdogUsec) {
    EXPECT_EQ(watchdog_usec(std::string("30000000"), std::nullopt), 30000000);
    EXPECT_EQ(watchdog_usec(std::string("30000000"), std::to_string(::getpid())), 30000000);
    EXPECT_FALSE(watchdog_usec(std::string("30000000"), std::string("1")));  // another process
    EXPECT_FALSE(watchdog_usec(std::string("abc"), std::nullopt));
    EXPECT_FALSE(watchdog_usec(std::nullopt, std::nullopt));
}

// A real SIGTERM and SIGHUP delivered to the process are seen by the watcher thread.
TEST(Signals, WatcherRecordsTermAndHup) {
    block_signals();
    {
        SignalWatcher w;
        ::kill(::getpid(), SIGHUP);
        ::kill(::getpid(), SIGTERM);
        for (int i = 0; i < 200 && !w.stop_requested(); ++i) ::usleep(10000);
        EXPECT_TRUE(w.stop_requested());
        EXPECT_EQ(w.stop_signal(), SIGTERM);
        EXPECT_TRUE(w.take_reload());
        EXPECT_FALSE(w.take_reload());
    }
    unblock_signals();
}

// The watcher's thread waits without a timeout: ending it must wake it, at once, whether or
// not the caller blocked the signals (it used to poll every 100 ms, and a command's exit
// waited for the next tick).
TEST(Signals, WatcherEndsAtOnce) {
    for (bool blocked : {true, false}) {
        // Ended while its thread waits, and (the wake then waits for it) before it first does.
        for (bool waiting : {true, false}) {
            if (blocked) block_signals();
            std::optional<SignalWatcher> w;
            w.emplace();
            if (waiting) ::usleep(20000);
            const auto t0 = std::chrono::steady_clock::now();
            w.reset();
            EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(80))
                << "signals blocked by the caller: " << blocked << ", waiting: " << waiting;
            if (blocked) unblock_signals();
        }
    }
    // The caller's own mask is as it was: SIGUSR1, the wake, is not left blocked.
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, nullptr, &now);
    EXPECT_EQ(sigismember(&now, SIGUSR1), 0);
    EXPECT_EQ(sigismember(&now, SIGTERM), 0);
}

}  // namespace
}  // namespace qbi::app
