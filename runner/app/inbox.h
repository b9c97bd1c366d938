#pragma once
// The inbox of `serve` and `batch` (design §7): a directory where other systems (an HR export,
// an operator) drop job files. Each complete job file is submitted and moved to accepted/, or
// to rejected/ with a "<name>.error" file beside it that says why. A file whose submission
// failed for a reason outside the file (the database is busy or the disk full) stays in the
// inbox and is tried again later: nothing is lost.
//
// Which entries: names ending in .yaml or .yml that are not hidden (".x.yaml") and not "*.tmp".
// Writers create the file under a hidden or .tmp name and rename it into place; `serve` also
// takes a file written in place once its writer closes it (inbox_watch.h). `batch` submits
// every entry present when it starts, however recent.
//
// Hostile entries (the inbox may be writable by others than the service):
//  - each entry is opened with O_NOFOLLOW|O_NONBLOCK and checked with fstat on that descriptor:
//    a symbolic link, a FIFO, a directory, a device or a file with more than one hard link is
//    rejected without being read ("NAME: cannot read: a symbolic link, not a regular file");
//  - a file that is not a job file is never quoted in the .error file (runner/jobs);
//  - moves use renameat2(RENAME_NOREPLACE) between directory descriptors and .error files are
//    created with O_CREAT|O_EXCL|O_NOFOLLOW in rejected/: nothing already there is followed or
//    overwritten. When NAME (or NAME.error) is taken, the entry becomes NAME.1, NAME.2, ...;
//  - names are passed through printable() (core/strings.h) wherever they are logged or written;
//  - the inbox, accepted/ and rejected/ are created mode 0700 and .error files 0600, whatever
//    the umask (folders that already exist keep their mode).
//
// Thread-safety: an Inbox is used from one thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner/app/config.h"
#include "runner/app/submit.h"
#include "runner/core/files.h"
#include "runner/queue/store.h"

namespace qbi::app {

struct InboxScan {
    int accepted = 0;  // submitted, or already submitted with the same content
    int rejected = 0;
    int deferred = 0;                // left for later (store errors)
    std::vector<std::string> retry;  // the names of the deferred entries
};

// True for a name the inbox takes: *.yaml or *.yml, not hidden, not *.tmp, no '/'.
bool inbox_candidate(std::string_view name);

class Inbox {
public:
    explicit Inbox(std::string dir) : dir_(std::move(dir)) {}
    // Creates the inbox and its accepted/ and rejected/ folders (0700) and opens them.
    // Error 74 naming the folder.
    Status prepare();
    // Submits every candidate entry of the inbox, in name order. `now_ms` is wall time.
    // `control`: the submit's chunk size and cancellation (submit.h); once cancelled, the entry
    // being submitted and the ones after it stay in the inbox (deferred).
    InboxScan scan(queue::Store& store, const Config& cfg, std::int64_t now_ms,
                   const SubmitControl& control = {});
    // Submits these entries (names inside the inbox), in name order; names that are not
    // candidates or no longer exist are skipped.
    InboxScan submit(std::vector<std::string> names, queue::Store& store, const Config& cfg,
                     std::int64_t now_ms, const SubmitControl& control = {});
    const std::string& dir() const { return dir_; }

private:
    // One entry: 1 accepted, 2 rejected, 3 deferred, 0 skipped (gone).
    int submit_one(const std::string& name, queue::Store& store, const Config& cfg,
                   std::int64_t now_ms, const SubmitControl& control);
    void reject(const std::string& name, const std::vector<std::string>& errors,
                std::int64_t now_ms);

    std::string dir_;
    UniqueFd dir_fd_, accepted_fd_, rejected_fd_;
};

// serve.inbox, else $STATE_DIRECTORY/inbox (its first entry). Error 78 if neither is set.
Result<std::string> inbox_dir(const Config& cfg, const Env& env);

}  // namespace qbi::app
