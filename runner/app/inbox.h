#pragma once
// The inbox of `serve` and `batch` (design §7): a directory where other systems (an HR export,
// an operator) drop job files. Each settled file is submitted and moved to accepted/, or to
// rejected/ with a "<name>.error" file beside it that says why. A file whose submission failed
// for a reason outside the file (the database is busy or the disk full) stays in the inbox and
// is tried again at the next scan: nothing is lost.
//
// Writers should create the file under a hidden name (".name.yaml") or with a ".tmp"
// suffix and rename it into place; as a safety net, files modified in the last second are
// left for the next scan.
//
// Thread-safety: an Inbox is used from one thread (the runner's writer thread).
#include <cstdint>
#include <string>

#include "runner/app/config.h"
#include "runner/app/submit.h"
#include "runner/queue/store.h"

namespace qbi::app {

struct InboxScan {
    int accepted = 0;  // submitted, or already submitted with the same content
    int rejected = 0;
    int deferred = 0;  // left for the next scan
};

class Inbox {
public:
    explicit Inbox(std::string dir) : dir_(std::move(dir)) {}
    // Creates the inbox and its accepted/ and rejected/ folders. Error: exit 74 or 78.
    Status prepare() const;
    // Submits every settled job file in the inbox (name order). `now_ms` is wall time.
    // `control`: submit chunk size and cancellation (submit.h); a cancelled scan leaves the
    // remaining files, and the one being submitted, in the inbox.
    InboxScan scan(queue::Store& store, const Config& cfg, std::int64_t now_ms,
                   const SubmitControl& control = {}) const;
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

// serve.inbox, else $STATE_DIRECTORY/inbox (its first entry). Error 78 if neither is set.
Result<std::string> inbox_dir(const Config& cfg, const Env& env);

}  // namespace qbi::app
