#include "runner/queue/audit.h"

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

std::string chain_hash(std::string_view prev_hash, const AttemptRow& row) {
    std::string input(prev_hash);
    input += '\n';
    input += canonical_attempt_text(row);
    return sha256_hex(input);
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
    if (chain_hash(row.prev_hash, row) != row.hash)
        return broken("hash does not match the row's content");
    expected_prev_ = row.hash;
    prev_id_ = row.id;
    verdict_.head_hash = row.hash;
    return true;
}

}  // namespace qbi::queue
