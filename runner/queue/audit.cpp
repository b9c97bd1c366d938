#include "runner/queue/audit.h"

#include <string.h>

#include "runner/core/hash.h"

namespace qbi::queue {

namespace {

void put_text(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out += c;
        }
    }
}

}  // namespace

std::string canonical_attempt_text(const AttemptRow& r) {
    std::string out = "qbi-attempt/1";
    auto num = [&](std::int64_t v) {
        out += '\n';
        out += std::to_string(v);
    };
    auto text = [&](std::string_view v) {
        out += '\n';
        put_text(out, v);
    };
    num(r.id);
    num(r.job_id);
    num(r.task_id);
    num(r.attempt);
    text(r.action);
    text(r.params_json);
    const AttemptRecord& a = r.record;
    num(a.started_at_ms);
    num(a.latency_ms);
    num(a.http_status);
    text(a.request_id);
    text(a.code);
    text(a.message);
    text(outcome_name(a.outcome));
    text(a.endpoint);
    text(a.signature);
    text(a.access_key_id);
    num(r.recorded_at);
    return out;
}

AuditKey::~AuditKey() {
    if (!bytes_.empty()) ::explicit_bzero(bytes_.data(), bytes_.size());
}

std::string chain_hash(std::string_view prev_hash, const AttemptRow& row, const AuditKey* key) {
    std::string input(prev_hash);
    input += '\n';
    input += canonical_attempt_text(row);
    if (row.keyed) return key ? hex_lower(hmac_sha256_raw(key->bytes(), input)) : std::string();
    return sha256_hex(input);
}

std::optional<AuditHead> parse_audit_head(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 18) return std::nullopt;
    std::int64_t rows = 0;
    for (char c : text.substr(0, colon)) {
        if (c < '0' || c > '9') return std::nullopt;
        rows = rows * 10 + (c - '0');
    }
    std::string_view hash = text.substr(colon + 1);
    if (hash.size() != kGenesisHash.size()) return std::nullopt;
    for (char c : hash)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    return AuditHead{rows, std::string(hash)};
}

std::string format_audit_head(const AuditHead& head) {
    return std::to_string(head.rows) + " " + head.hash;
}

ChainVerifier::ChainVerifier(std::optional<AuditHead> anchor, AuditKeyRef key)
    : anchor_(std::move(anchor)), key_(std::move(key)) {
    if (anchor_ && anchor_->rows == 0) {
        anchor_seen_ = true;  // the empty log: every log extends it, if the hash is genesis
        if (anchor_->hash != kGenesisHash) {
            verdict_.ok = false;
            verdict_.reason = "the anchor names row 0, whose hash can only be the genesis hash";
        }
    }
}

bool ChainVerifier::add(const AttemptRow& row) {
    if (!verdict_.ok) return false;
    ++verdict_.rows;
    auto broken = [&](std::string reason) {
        verdict_.ok = false;
        verdict_.first_bad_id = row.id;
        verdict_.reason = std::move(reason);
        return false;
    };
    if (row.prev_hash != expected_prev_) {
        if (prev_id_ == 0) return broken("prev_hash of the first row is not the genesis hash");
        return broken("prev_hash does not match the hash of row " + std::to_string(prev_id_) +
                      " (a row was removed, inserted or changed before it)");
    }
    if (!row.keyed && verdict_.keyed_rows > 0)
        return broken("the row is not keyed but row " + std::to_string(verdict_.first_keyed_id) +
                      " before it is: it was rewritten without the audit key");
    if (row.keyed && !key_) {
        verdict_.needs_key = true;
        return broken(
            "the row is keyed (HMAC-SHA256): verifying it needs the audit key "
            "(audit.key_file, or audit verify --key-file FILE)");
    }
    if (chain_hash(row.prev_hash, row, key_.get()) != row.hash)
        return broken(row.keyed ? "hash does not match the row's content under the audit key "
                                  "(the row was changed, or the key is not the one it was "
                                  "written with)"
                                : "hash does not match the row's content");
    if (row.keyed && verdict_.keyed_rows++ == 0) verdict_.first_keyed_id = row.id;
    if (anchor_ && !anchor_seen_ && row.id > anchor_->rows)
        return broken("the anchor's row " + std::to_string(anchor_->rows) +
                      " is missing: the log was rewritten since the anchor was noted");
    if (anchor_ && row.id == anchor_->rows) {
        anchor_seen_ = true;
        if (row.hash != anchor_->hash)
            return broken("row " + std::to_string(row.id) + " has hash " + row.hash +
                          ", not the anchor's " + anchor_->hash +
                          ": the log was rewritten up to that row since the anchor was noted");
    }
    expected_prev_ = row.hash;
    prev_id_ = row.id;
    verdict_.head_hash = row.hash;
    verdict_.head_rows = row.id;
    return true;
}

AuditVerdict ChainVerifier::verdict() const {
    AuditVerdict v = verdict_;
    if (v.ok && anchor_ && !anchor_seen_) {
        v.ok = false;
        v.first_bad_id = prev_id_ + 1;
        v.reason = "the log ends at row " + std::to_string(prev_id_) +
                   " but the anchor names row " + std::to_string(anchor_->rows) +
                   ": rows were cut from the end (or the anchor is not of this database)";
    }
    return v;
}

}  // namespace qbi::queue
