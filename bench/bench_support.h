#pragma once
// What the in-process benchmarks share: failing with a message, and the job they submit.
// Each program defines qbi::bench::kName (its name, the prefix of its error lines).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "runner/core/result.h"
#include "runner/queue/store.h"

namespace qbi::bench {

extern const char* const kName;

// Prints "NAME: what" to stderr and exits 1.
[[noreturn]] inline void die(const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", kName, what.c_str());
    std::exit(1);
}

template <class T>
T must(Result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error().message);
    return std::move(*r);
}

inline void must(const Status& s, const char* what) {
    if (!s) die(std::string(what) + ": " + s.error().message);
}

// One job of n CancelCollection tasks: the favourites w0..w(n-1) of user u-leaver.
inline queue::NewJob leaver_job(int n) {
    queue::NewJob j;
    j.name = "bench";
    j.content_hash = "bench";
    j.max_attempts = 6;
    j.tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        j.tasks.push_back(
            queue::NewTask{"CancelCollection",
                           {{"UserId", "u-leaver"}, {"WorksId", "w" + std::to_string(i)}},
                           ""});
    return j;
}

}  // namespace qbi::bench
