#include "runner/cli/progress_line.h"

#include <cstdio>
#include <ostream>

namespace qbi::cli {

std::string format_progress(std::int64_t total, std::int64_t done, std::int64_t absent,
                            std::int64_t retrying, std::int64_t failed, double rate,
                            std::int64_t elapsed_ms) {
    std::int64_t settled = done + absent + failed;
    char buf[256];
    std::string eta = "--:--";
    if (rate > 0 && total > settled) {
        auto secs = static_cast<std::int64_t>((static_cast<double>(total - settled)) / rate);
        char e[32];
        std::snprintf(e, sizeof e, "%lld:%02lld", static_cast<long long>(secs / 60),
                      static_cast<long long>(secs % 60));
        eta = e;
    } else if (total <= settled) {
        eta = "0:00";
    }
    std::snprintf(buf, sizeof buf,
                  "%lld/%lld settled: done %lld, already absent %lld, retrying %lld, failed %lld, "
                  "%.1f/s, elapsed %llds, ETA %s",
                  static_cast<long long>(settled), static_cast<long long>(total),
                  static_cast<long long>(done), static_cast<long long>(absent),
                  static_cast<long long>(retrying), static_cast<long long>(failed), rate,
                  static_cast<long long>(elapsed_ms / 1000), eta.c_str());
    return buf;
}

ProgressLine::ProgressLine(std::ostream& err, bool tty, std::int64_t start_ms)
    : err_(err), tty_(tty), start_ms_(start_ms), last_rate_ms_(start_ms) {}

void ProgressLine::update(const engine::Progress& p, std::int64_t now_ms, bool force) {
    std::int64_t interval = tty_ ? 200 : 10000;
    if (!force && now_ms - last_print_ms_ < interval) return;
    std::int64_t settled = p.settled();
    if (now_ms - last_rate_ms_ >= 1000 || rate_ == 0) {
        double secs = static_cast<double>(now_ms - last_rate_ms_) / 1000.0;
        if (secs > 0) {
            double instant = static_cast<double>(settled - last_settled_) / secs;
            rate_ = rate_ == 0 ? instant : 0.7 * rate_ + 0.3 * instant;
        }
        last_settled_ = settled;
        last_rate_ms_ = now_ms;
    }
    std::string line = format_progress(p.total, p.done, p.already_absent, p.retried, p.failed,
                                       rate_, now_ms - start_ms_);
    if (tty_) {
        err_ << "\r\x1b[K" << line << std::flush;
        drawn_ = true;
    } else {
        err_ << "qbi-runner: " << line << "\n" << std::flush;
    }
    last_print_ms_ = now_ms;
}

void ProgressLine::finish() {
    if (tty_ && drawn_) err_ << "\n" << std::flush;
    drawn_ = false;
}

}  // namespace qbi::cli
