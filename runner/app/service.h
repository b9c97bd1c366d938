#pragma once
// The daemon and the timer's job (design §7, §9), without the command line around them.
//
// serve(): watches the inbox (inotify, inbox_watch.h), works the queue continuously (honouring
// not_before), talks to systemd over NOTIFY_SOCKET:
//   READY=1 once the database, configuration and credentials are good;
//   STATUS=<queue counts; engine state> every few seconds;
//   WATCHDOG=1 from the writer loop (the loop that makes progress) at half of WATCHDOG_USEC;
//   RELOADING=1 / READY=1 around a SIGHUP reload (configuration and credentials re-read);
//   STOPPING=1 on SIGTERM/SIGINT, after which in-flight calls get serve.grace to finish, the
//   rest are recorded as interrupted and queued again, and serve returns success.
// A halt (credentials or permission refused) pauses dispatch; the engine probes again every
// serve.halt_probe and resumes by itself once a probe succeeds.
//
// submit_inbox(): the first half of `batch`: every job file present in the inbox submitted (and
// moved to accepted/ or rejected/) while holding the runner lock.
//
// Thread-safety: call from the main thread, after block_signals() (signals.h).
#include <string>

#include "runner/api/credential_chain.h"
#include "runner/app/config.h"
#include "runner/app/inbox.h"
#include "runner/app/signals.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"

namespace qbi::app {

struct ServiceContext {
    ConfigOverrides overrides;      // re-applied on reload
    CredentialOptions credentials;  // the chain, re-read on reload
    Env env;
    Clock& clock;
    NonceSource& nonces;
    SignalWatcher& signals;
};

// Runs until SIGTERM/SIGINT. `config` is the configuration loaded at start (reloads replace
// it). Errors: the set-up's (lock 75, credentials 78, ...) or a store error that ended the run.
Status serve(Config config, const ServiceContext& context);

// Submits the inbox of `config` under the runner lock (released again before returning).
Result<InboxScan> submit_inbox(const Config& config, const ServiceContext& context,
                               std::string& inbox_path);

}  // namespace qbi::app
