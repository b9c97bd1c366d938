// Opening a Store, and the pieces its other files share: the audit append and row readers.
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <algorithm>

#include "runner/queue/audit.h"
#include "runner/queue/migrations.h"
#include "runner/queue/params.h"
#include "runner/queue/private_files.h"
#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::filesystem::path& Store::path() const {
    return impl_->path;
}
int Store::schema_version() const {
    return impl_->version;
}
SQLite::Database& Store::raw_connection() {
    return impl_->db;
}

namespace {

// WAL must be set outside a transaction; it persists in the file once set. While another
// process switches a new file to WAL, SQLite answers SQLITE_BUSY here without calling the busy
// handler, so this retries like one: every 5 ms for up to busy_timeout_ms.
std::string set_wal(SQLite::Database& db, int busy_timeout_ms) {
    const int tries = std::max(1, busy_timeout_ms / 5);
    for (int i = 1;; ++i) {
        try {
            return db.execAndGet("PRAGMA journal_mode = WAL").getString();
        } catch (const SQLite::Exception& e) {
            if (e.getErrorCode() != SQLITE_BUSY || i >= tries) throw;
        }
        sqlite3_sleep(5);
    }
}

// A path as the path part of a file: URI (RFC 3986: '%', '?' and '#' escaped).
std::string uri_path(const std::string& p) {
    std::string out;
    for (char c : p) {
        if (c == '%' || c == '?' || c == '#') {
            static const char* hex = "0123456789ABCDEF";
            out += '%';
            out += hex[(static_cast<unsigned char>(c) >> 4) & 15];
            out += hex[static_cast<unsigned char>(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

Result<Store> Store::open(const std::filesystem::path& path, Clock& clock, StoreOptions options) {
    const std::string label = path.string();
    const bool read_only =
        options.access == Access::ReadOnly || options.access == Access::ReadOnlyImmutable;
    if (options.access == Access::Create) {
        auto located = [&](const Error& e) {
            return Error{e.code, "database " + label + ": " + e.message};
        };
        if (path.has_parent_path()) {
            if (auto st = make_private_dirs(path.parent_path()); !st) return located(st.error());
        }
        if (auto created = create_private_file(path); !created) return located(created.error());
    } else {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return Error{kExitNoInput, "database " + label +
                                           " does not exist; check --db or queue.database "
                                           "(submit creates it)"};
    }
    return guarded(label, [&]() -> Result<Store> {
        if (read_only) {
            std::string name = path.string();
            int flags = SQLite::OPEN_READONLY;
            if (options.access == Access::ReadOnlyImmutable) {
                name =
                    "file:" + uri_path(std::filesystem::absolute(path).string()) + "?immutable=1";
                flags |= SQLite::OPEN_URI;
            }
            SQLite::Database db(name, flags, options.busy_timeout_ms);
            auto version = check_current(db, label);
            if (!version) return version.error();
            return Store(std::make_unique<Impl>(path, clock, std::move(db), *version));
        }
        SQLite::Database db(path, SQLite::OPEN_READWRITE, options.busy_timeout_ms);
        std::string mode = set_wal(db, options.busy_timeout_ms);
        if (mode != "wal")
            return Error{kExitIoErr,
                         "database " + label + ": cannot use WAL (journal_mode is " + mode + ")"};
        db.exec(options.synchronous == Synchronous::Full ? "PRAGMA synchronous = FULL"
                                                         : "PRAGMA synchronous = NORMAL");
        db.exec("PRAGMA foreign_keys = ON");
        auto version = migrate(db, label, options.migrate_up_to);
        if (!version) return version.error();
        return Store(std::make_unique<Impl>(path, clock, std::move(db), *version));
    });
}

ChainHead Store::Impl::chain_head() {
    StatementUse s(last_attempt, db, "SELECT id, hash FROM attempts ORDER BY id DESC LIMIT 1");
    if (!s->executeStep()) return ChainHead{0, std::string(kGenesisHash)};
    return ChainHead{s->getColumn(0).getInt64(), s->getColumn(1).getString()};
}

void Store::Impl::append_attempt(ChainHead& head, AttemptRow& row) {
    row.id = head.id + 1;
    row.prev_hash = head.hash;
    row.keyed = audit_key != nullptr;
    row.hash = chain_hash(row.prev_hash, row, audit_key.get());
    StatementUse s(insert_attempt, db,
                   "INSERT INTO attempts (id, job_id, task_id, attempt, action, params, "
                   "started_at, latency_ms, http_status, request_id, code, message, outcome, "
                   "endpoint, signature, access_key_id, recorded_at, prev_hash, hash, "
                   "keyed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s->bind(1, row.id);
    s->bind(2, row.job_id);
    s->bind(3, row.task_id);
    s->bind(4, row.attempt);
    s->bind(5, row.action);
    s->bind(6, row.params_json);
    const AttemptRecord& a = row.record;
    s->bind(7, a.started_at_ms);
    s->bind(8, a.latency_ms);
    s->bind(9, a.http_status);
    s->bind(10, a.request_id);
    s->bind(11, a.code);
    s->bind(12, a.message);
    s->bind(13, std::string(outcome_name(a.outcome)));
    s->bind(14, a.endpoint);
    s->bind(15, a.signature);
    s->bind(16, a.access_key_id);
    s->bind(17, row.recorded_at);
    s->bind(18, row.prev_hash);
    s->bind(19, row.hash);
    s->bind(20, row.keyed ? 1 : 0);
    s->exec();
    head.id = row.id;
    head.hash = row.hash;
}

std::int64_t Store::Impl::add_job_row(const NewJob& job, std::int64_t now) {
    StatementUse s(insert_job, db,
                   "INSERT INTO jobs (name, description, content_hash, source_file, not_before, "
                   "max_attempts, submitted_at) VALUES (?,?,?,?,?,?,?)");
    bind_job_fields(*s, 1, job);
    s->bind(7, now);
    s->exec();
    return db.getLastInsertRowid();
}

void bind_job_fields(SQLite::Statement& s, int first, const NewJob& job) {
    s.bind(first, job.name);
    s.bind(first + 1, job.description);
    s.bind(first + 2, job.content_hash);
    s.bind(first + 3, job.source_file);
    if (job.not_before_ms)
        s.bind(first + 4, *job.not_before_ms);
    else
        s.bind(first + 4);
    s.bind(first + 5, job.max_attempts);
}

void bind_task_fields(SQLite::Statement& s, int first, const NewTask& task) {
    std::string params = params_to_json(task.params);
    s.bind(first, task.task_key.empty() ? derived_task_key(task.action, params) : task.task_key);
    s.bind(first + 1, task.action);
    s.bind(first + 2, params);
    s.bind(first + 3, task.context);
}

JobInfo read_job(SQLite::Statement& s) {
    JobInfo j;
    j.id = s.getColumn(0).getInt64();
    j.name = s.getColumn(1).getString();
    j.description = s.getColumn(2).getString();
    j.content_hash = s.getColumn(3).getString();
    j.source_file = s.getColumn(4).getString();
    if (!s.isColumnNull(5)) j.not_before_ms = s.getColumn(5).getInt64();
    j.max_attempts = s.getColumn(6).getInt();
    j.submitted_at = s.getColumn(7).getInt64();
    j.counts = read_counts(s, 8);
    return j;
}

TaskCounts read_counts(SQLite::Statement& s, int first) {
    TaskCounts c;
    c.queued = s.getColumn(first).getInt64();
    c.running = s.getColumn(first + 1).getInt64();
    c.done = s.getColumn(first + 2).getInt64();
    c.already_absent = s.getColumn(first + 3).getInt64();
    c.failed = s.getColumn(first + 4).getInt64();
    c.cancelled = s.getColumn(first + 5).getInt64();
    return c;
}

AttemptRow read_attempt(SQLite::Statement& s) {
    AttemptRow r;
    r.id = s.getColumn(0).getInt64();
    r.job_id = s.getColumn(1).getInt64();
    r.task_id = s.getColumn(2).getInt64();
    r.attempt = s.getColumn(3).getInt();
    r.action = s.getColumn(4).getString();
    r.params_json = s.getColumn(5).getString();
    AttemptRecord& a = r.record;
    a.started_at_ms = s.getColumn(6).getInt64();
    a.latency_ms = s.getColumn(7).getInt64();
    a.http_status = s.getColumn(8).getInt();
    a.request_id = s.getColumn(9).getString();
    a.code = s.getColumn(10).getString();
    a.message = s.getColumn(11).getString();
    // The CHECK constraint admits only known names; an unknown one fails verification.
    a.outcome = parse_outcome(s.getColumn(12).getString()).value_or(Outcome::Permanent);
    a.endpoint = s.getColumn(13).getString();
    a.signature = s.getColumn(14).getString();
    a.access_key_id = s.getColumn(15).getString();
    r.recorded_at = s.getColumn(16).getInt64();
    r.prev_hash = s.getColumn(17).getString();
    r.hash = s.getColumn(18).getString();
    r.keyed = s.getColumn(19).getInt() != 0;
    return r;
}

void bind_text_or_null(SQLite::Statement& s, int index, const std::string& value) {
    if (value.empty())
        s.bind(index);
    else
        s.bind(index, value);
}

}  // namespace qbi::queue
