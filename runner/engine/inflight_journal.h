#pragma once
// Which claimed tasks may be on the wire, kept where a crashed runner's successor can read it.
//
// The engine claims tasks in batches (one transaction for many), so `running` in the database
// does not say whether a call went out. Each worker call holds one slot of this journal from
// just before its request is sent until its result is committed: a memory-mapped file beside
// the database (`<database>-inflight`, 0600) with a header (magic, owner, boot id, slot count)
// and one task id per slot (0: free). Writing a slot is a store to shared memory, no system
// call and no fsync; the page survives the process (kill -9, a crash), not the machine, so the
// header carries the boot id and a journal from another boot is not trusted.
//
// Recovery (Store::recover_running) trusts read() for the journal's owner: its running tasks
// not listed were never sent. No journal, an unreadable one, another boot's, or tasks of
// another owner: every running task is in doubt (an interrupted row each, as before).
//
// Thread-safety: none; the engine writes slots under its mutex. read() is for one thread at
// engine start, before the workers run.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runner/core/result.h"
#include "runner/queue/types.h"

namespace qbi::engine {

class InFlightJournal {
public:
    InFlightJournal() = default;
    ~InFlightJournal();
    InFlightJournal(const InFlightJournal&) = delete;
    InFlightJournal& operator=(const InFlightJournal&) = delete;

    // `<database>-inflight` for the database's real path (symlinks resolved), or empty for an
    // in-memory database (then the journal lives in memory only).
    static std::filesystem::path path_for(const std::filesystem::path& database);

    // What the journal at `path` says, if it can be trusted (see above).
    static std::optional<queue::SentCalls> read(const std::filesystem::path& path);

    // Replaces the file at `path` with an empty journal of `slots` slots for `owner`. On an
    // error (kExitIoErr, naming the file) the journal still works, in memory only.
    Status open(const std::filesystem::path& path, const std::string& owner, int slots);

    void set(int slot, std::int64_t task_id);
    void clear(int slot) { set(slot, 0); }
    int slots() const { return slots_; }

private:
    void close();

    std::int64_t* ids_ = nullptr;  // the slots (in the mapping, or in memory_)
    std::vector<std::int64_t> memory_;
    void* map_ = nullptr;
    std::size_t map_size_ = 0;
    int slots_ = 0;
};

}  // namespace qbi::engine
