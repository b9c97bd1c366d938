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
// Keyed rows (keyed = 1, from migration 6) store instead
//
//     hash = hex(HMAC-SHA256(key, prev_hash + "\n" + canonical_attempt_text(row)))
//
// under the operator's audit key, so that rewriting a row and recomputing the chain after it
// needs the key, not just write access to the database. Once a row is keyed, every later row
// must be keyed too (an unkeyed row after a keyed one is a rewrite without the key).
//
// Pure functions; thread-safe.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runner/queue/types.h"

namespace qbi::queue {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The audit key's bytes, held once and wiped (explicit_bzero) when the last holder lets go.
class AuditKey {
public:
    explicit AuditKey(std::string bytes) : bytes_(std::move(bytes)) {}
    ~AuditKey();
    AuditKey(const AuditKey&) = delete;
    AuditKey& operator=(const AuditKey&) = delete;
    std::string_view bytes() const { return bytes_; }

private:
    std::string bytes_;
};
using AuditKeyRef = std::shared_ptr<const AuditKey>;

std::string canonical_attempt_text(const AttemptRow& row);
// The row's hash: SHA-256, or for a keyed row the HMAC under `key` (which must then be set).
std::string chain_hash(std::string_view prev_hash, const AttemptRow& row,
                       const AuditKey* key = nullptr);

// "ROWS:HASH" (ROWS a decimal row id >= 0, HASH 64 lower-case hex digits); nullopt otherwise.
std::optional<AuditHead> parse_audit_head(std::string_view text);
std::string format_audit_head(const AuditHead& head);  // "ROWS HASH", as logged

// Walks rows in id order (the caller feeds them) and remembers the first broken link.
//
// The chain alone proves only that the rows agree with each other: whoever can write the
// database can rewrite rows and recompute every hash after them, or cut rows from the end.
// An anchor, a head noted outside the database earlier, closes both: the row with the
// anchor's id must still exist and still have the anchor's hash. Since every hash covers all
// rows before it, a match proves rows 1..ROWS unchanged.
class ChainVerifier {
public:
    // `key`: the audit key, for keyed rows; without it the first keyed row stops the walk
    // with needs_key set.
    explicit ChainVerifier(std::optional<AuditHead> anchor = std::nullopt,
                           AuditKeyRef key = nullptr);
    // Returns false once the chain is broken (later rows are not checked).
    bool add(const AttemptRow& row);
    // The verdict over the rows added; with an anchor, a log that ends before the anchor's row
    // is broken ("rows were cut from the end").
    AuditVerdict verdict() const;

private:
    std::optional<AuditHead> anchor_;
    AuditKeyRef key_;
    bool anchor_seen_ = false;
    std::string expected_prev_{kGenesisHash};
    std::int64_t prev_id_ = 0;
    AuditVerdict verdict_{true, 0, 0, "", std::string(kGenesisHash), 0};
};

}  // namespace qbi::queue
