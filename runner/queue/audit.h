#pragma once
// The audit log's hash chain (design §6). Every row of `attempts` stores
//
//     hash = sha256_hex(prev_hash + "\n" + canonical_attempt_text(row))
//
// where prev_hash is the previous row's hash (by id) and, for the first row, kGenesisHash
// (64 zeros). The canonical row text, version 1, is these 18 lines joined by "\n" (no final
// newline):
//
//     qbi-attempt/1
//     id, job_id, task_id, attempt,
//     action, params, started_at, latency_ms, http_status,
//     request_id, code, message, outcome, endpoint, signature, access_key_id,
//     recorded_at
//
// one field per line in exactly that order. Integers are written in decimal ("-" for
// negatives, no leading zeros); outcome is its stored name ("done", "interrupted", ...); text
// fields are escaped so a field can never span lines: "\" -> "\\", LF -> "\n", CR -> "\r"
// (backslash-letter pairs), every other byte as is. prev_hash and hash are not part of the
// text. Changing any stored field, deleting or reordering rows breaks the chain from that row.
//
// Pure functions; thread-safe.
#include <string>
#include <string_view>

#include "runner/queue/types.h"

namespace qbi::queue {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

std::string canonical_attempt_text(const AttemptRow& row);
std::string chain_hash(std::string_view prev_hash, const AttemptRow& row);

// Walks rows in id order (the caller feeds them) and remembers the first broken link.
class ChainVerifier {
public:
    // Returns false once the chain is broken (later rows are not checked).
    bool add(const AttemptRow& row);
    AuditVerdict verdict() const { return verdict_; }

private:
    std::string expected_prev_{kGenesisHash};
    std::int64_t prev_id_ = 0;
    AuditVerdict verdict_{true, 0, 0, "", std::string(kGenesisHash)};
};

}  // namespace qbi::queue
