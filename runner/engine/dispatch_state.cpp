#include "runner/engine/dispatch_state.h"

#include <algorithm>
#include <cmath>

namespace qbi::engine {

const char* phase_name(Phase p) {
    switch (p) {
        case Phase::Working:
            return "working";
        case Phase::Halted:
            return "halted";
        case Phase::Probing:
            return "probing";
        case Phase::Stopping:
            return "stopping";
        case Phase::Done:
            return "done";
    }
    return "?";
}

int action_claim_cap(double action_qps) {
    return std::clamp(static_cast<int>(std::ceil(action_qps / 4)), 1, 100000);
}

int claim_capacity(const EngineOptions& o) {
    const int workers = std::max(1, o.workers);
    const int batch = std::max(1, o.claim_batch);
    const double two_seconds = std::ceil(2 * std::max(o.max_qps, 0.5));
    // Where the rate allows, enough for every journal slot to be in use with a group commit
    // at hand besides: the workers then never wait for a claim that lands with the next pass.
    const int wanted = std::max(batch, journal_slots(workers) + group_commit_size(workers));
    int capacity =
        std::max(workers * 3, std::min<int>(wanted, static_cast<int>(std::min(two_seconds, 1e6))));
    // Claimed per action (EngineOptions::actions), each rate-limited action keeps up to a
    // quarter second of its rate at hand besides: slow actions then never fill the capacity
    // the fast ones need.
    if (!o.actions.empty())
        for (const auto& [action, qps] : o.action_qps) capacity += action_claim_cap(qps);
    return capacity;
}

DispatchConfig DispatchConfig::from(const EngineOptions& o) {
    DispatchConfig c;
    c.continuous = o.continuous;
    c.capacity = claim_capacity(o);
    // Per-action claims fill every action up to its own cap in one transaction: the batch is
    // the whole room.
    c.claim_batch = o.actions.empty() ? std::max(1, o.claim_batch) : c.capacity;
    c.idle_poll_ms = o.idle_poll_ms;
    c.halt_probe_ms = o.halt_probe_ms;
    c.grace_ms = o.grace_ms;
    c.max_time_ms = o.max_time_ms;
    return c;
}

std::int64_t DispatchMachine::cap_wait(const DispatchState& s, std::int64_t now,
                                       std::int64_t until) const {
    until = std::min(until, now + kMaxWaitMs);
    if (s.phase == Phase::Stopping) {
        until = std::min(until, s.stop_began_ms + config_.grace_ms);
    } else if (config_.max_time_ms) {
        until = std::min(until, *config_.max_time_ms);
    }
    return until;
}

void DispatchMachine::working_status(const Observation& o, Actions& a) const {
    if (o.breaker_closed) {
        a.status = "working";
    } else {
        a.status =
            "paused: endpoint unreachable after repeated transport failures; next probe in " +
            std::to_string((o.breaker_wait_ms + 999) / 1000) + " s";
    }
}

Step DispatchMachine::on_observe(const DispatchState& s, const Observation& o) const {
    Step out{s, {}};
    DispatchState& n = out.state;
    Actions& a = out.actions;
    const std::int64_t now = o.now_ms;
    if (n.phase == Phase::Done) return out;

    // The probe's answer.
    if (n.phase == Phase::Probing && o.probe != ProbeAnswer::None) {
        if (o.probe == ProbeAnswer::Ok) {
            n.phase = Phase::Working;
            a.resume = true;
        } else {
            n.phase = Phase::Halted;
        }
    }

    // Ending.
    if (n.phase != Phase::Stopping) {
        const bool time_up = config_.max_time_ms && now >= *config_.max_time_ms;
        if (o.stop_requested || time_up) {
            n.phase = Phase::Stopping;
            n.stop_began_ms = now;
            n.reason = o.stop_requested ? StopReason::Stopped : StopReason::TimeLimit;
            a.begin_stop = true;
            a.release_pending = true;
            a.status = "stopping";
            a.wait_until_ms = now;  // observe again, without the released tasks
            return out;
        }
    }
    if (n.phase == Phase::Stopping) {
        if (o.busy == 0) {
            n.phase = Phase::Done;
        } else if (now - n.stop_began_ms >= config_.grace_ms) {
            n.phase = Phase::Done;
            a.release_pending = true;
            a.abandon_in_flight = true;
        } else {
            a.wait_until_ms = cap_wait(n, now, n.stop_began_ms + config_.grace_ms);
        }
        return out;
    }

    // Dispatch.
    // (The halt flag is cleared by this step's resume: only the probe was out.)
    if (n.phase == Phase::Working && o.halt_seen && !a.resume) {
        n.phase = Phase::Halted;
        n.next_probe_ms = now + config_.halt_probe_ms;  // counted from the halt
    }
    switch (n.phase) {
        case Phase::Halted:
            a.release_pending = true;
            a.wait_until_ms = cap_wait(n, now, now + kMaxWaitMs);
            if (!config_.continuous) {
                if (o.busy == 0) {
                    n.phase = Phase::Done;
                    n.reason = StopReason::Halted;
                }
                return out;
            }
            a.status = "halted: " + o.halt_code + "; next probe in " +
                       std::to_string(std::max<std::int64_t>(0, (n.next_probe_ms - now) / 1000)) +
                       " s";
            if (o.busy == 0) {
                if (now >= n.next_probe_ms) {
                    n.phase = Phase::Probing;
                    n.next_probe_ms = now + config_.halt_probe_ms;
                    a.claim = 1;
                } else {
                    a.wait_until_ms = cap_wait(n, now, n.next_probe_ms);
                }
            }
            return out;
        case Phase::Probing:
            a.wait_until_ms = cap_wait(n, now, now + kMaxWaitMs);
            return out;
        case Phase::Working: {
            const int room = config_.capacity - static_cast<int>(o.busy);
            if (room >= std::min(config_.claim_batch, config_.capacity / 2)) {
                a.claim = std::min(room, config_.claim_batch);  // then on_claimed
            } else {
                working_status(o, a);
                a.wait_until_ms = cap_wait(n, now, now + kMaxWaitMs);
            }
            return out;
        }
        case Phase::Stopping:
        case Phase::Done:
            break;
    }
    return out;
}

Step DispatchMachine::on_claimed(const DispatchState& s, const Observation& o,
                                 ClaimResult r) const {
    Step out{s, {}};
    DispatchState& n = out.state;
    Actions& a = out.actions;
    const std::int64_t now = o.now_ms;
    if (r.store_busy) n.claim_busy = true;
    if (n.phase == Phase::Probing) {
        if (r.claimed == 0) {
            n.phase = Phase::Halted;  // nothing to probe with; the next try in halt_probe_ms
            a.wait_until_ms = cap_wait(n, now, n.next_probe_ms);
        } else {
            a.wait_until_ms = cap_wait(n, now, now + kMaxWaitMs);
        }
        return out;
    }
    if (n.phase != Phase::Working) return out;
    if (r.claimed == 0 && o.busy == 0) {
        a.run_on_idle = true;
        if (n.claim_busy) {
            // Work may be due but could not be claimed: not finished, try again shortly.
            n.claim_busy = false;
            a.wait_until_ms = cap_wait(n, now, now + kBusyRetryMs);
        } else {
            a.query_next_retry = true;  // then on_next_retry
        }
        return out;
    }
    working_status(o, a);
    a.wait_until_ms = cap_wait(n, now, now + kMaxWaitMs);
    return out;
}

Step DispatchMachine::on_next_retry(const DispatchState& s, const Observation& o,
                                    const NextRetry& r) const {
    Step out{s, {}};
    DispatchState& n = out.state;
    Actions& a = out.actions;
    const std::int64_t now = o.now_ms;
    if (n.phase != Phase::Working) return out;
    if (r.store_busy) {
        n.claim_busy = false;
        a.wait_until_ms = cap_wait(n, now, now + kBusyRetryMs);
        return out;
    }
    if (!config_.continuous && !r.at_wall_ms) {
        n.phase = Phase::Done;
        n.reason = StopReason::Finished;
        return out;
    }
    std::int64_t wait = std::max<std::int64_t>(1, config_.continuous ? config_.idle_poll_ms : 1000);
    if (r.at_wall_ms) wait = std::clamp<std::int64_t>(*r.at_wall_ms - r.wall_now_ms, 1, wait);
    a.status = r.at_wall_ms ? "waiting for retries" : "idle";
    a.wait_until_ms = cap_wait(n, now, now + wait);
    return out;
}

Step DispatchMachine::on_store_error(const DispatchState& s) const {
    Step out{s, {}};
    out.state.phase = Phase::Done;
    out.state.reason = StopReason::StoreError;
    out.actions.begin_stop = true;
    return out;
}

}  // namespace qbi::engine
