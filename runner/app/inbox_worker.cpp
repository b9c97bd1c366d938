#include "runner/app/inbox_worker.h"

#include <optional>

#include "runner/app/store_setup.h"
#include "runner/core/log.h"

namespace qbi::app {

InboxWorker::InboxWorker(Inbox inbox, Config config, std::string db_path, Clock& clock,
                         std::int64_t interval_ms)
    : watch_(std::move(inbox)),
      config_(std::move(config)),
      db_path_(std::move(db_path)),
      clock_(clock),
      interval_ms_(interval_ms) {}

InboxWorker::~InboxWorker() {
    stop();
}

void InboxWorker::start() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = false;
    }
    cancel_ = false;
    thread_ = std::thread([this] { loop(); });
}

void InboxWorker::request_stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    cancel_ = true;
    clock_.notify_all(cv_);
}

void InboxWorker::stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
}

InboxScan InboxWorker::totals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return totals_;
}

void InboxWorker::loop() {
    std::optional<queue::Store> store;
    std::string last_error;
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (stop_) return;
        }
        if (!store) {
            auto s = open_store(config_, db_path_, clock_);
            if (s) {
                store.emplace(std::move(*s));
                last_error.clear();
            } else if (s.error().message != last_error) {
                last_error = s.error().message;
                log::error("inbox: cannot open the queue, will try again: " + last_error);
            }
        }
        if (store) {
            SubmitControl control;
            control.chunk = kServiceSubmitChunk;
            control.pause_ms = kServiceSubmitPauseMs;
            control.cancelled = [this] { return cancel_.load(std::memory_order_relaxed); };
            InboxScan scan = watch_.poll(*store, config_, clock_.wall_ms(), control);
            std::lock_guard<std::mutex> lock(mu_);
            totals_.accepted += scan.accepted;
            totals_.rejected += scan.rejected;
            totals_.deferred = scan.deferred;
        }
        std::unique_lock<std::mutex> lock(mu_);
        const std::int64_t deadline = clock_.monotonic_ns() + interval_ms_ * 1'000'000;
        if (clock_.wait_until_ns(lock, cv_, deadline, [this] { return stop_; })) return;
    }
}

}  // namespace qbi::app
