#pragma once
// The progress display of `run` (design §7): on a terminal a line redrawn in place on stderr;
// otherwise a plain line every 10 s. Uses no colour (no escape codes besides \r and
// erase-line); the callers pass `tty` = Invocation::redraw(), false when TERM is dumb.
//
// Thread-safety: ProgressLine is used from one thread (the command's reporting loop).
#include <cstdint>
#include <iosfwd>
#include <string>

#include "runner/engine/progress.h"

namespace qbi::cli {

// "1200/5000 done 1180 · absent 20 · retrying 5 · failed 2 · 312.4/s · ETA 0:12"
std::string format_progress(std::int64_t total, std::int64_t done, std::int64_t absent,
                            std::int64_t retrying, std::int64_t failed, double rate_per_s,
                            std::int64_t elapsed_ms);

class ProgressLine {
public:
    ProgressLine(std::ostream& err, bool tty, std::int64_t start_ms);
    // Call often; prints when due (every 200 ms on a terminal, every 10 s otherwise).
    void update(const engine::Progress& p, std::int64_t now_ms, bool force = false);
    // Ends the in-place line on a terminal.
    void finish();

private:
    std::ostream& err_;
    bool tty_;
    std::int64_t start_ms_;
    std::int64_t last_print_ms_ = 0;
    std::int64_t last_settled_ = 0;
    std::int64_t last_rate_ms_;
    double rate_ = 0;
    bool drawn_ = false;
};

}  // namespace qbi::cli
