#include "runner/app/inbox.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "runner/app/submit.h"
#include "runner/core/log.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::app {

namespace fs = std::filesystem;

Result<std::string> inbox_dir(const Config& cfg, const Env& env) {
    if (!cfg.inbox.empty()) return cfg.inbox;
    if (auto d = env("STATE_DIRECTORY")) return split(*d, ':')[0] + "/inbox";
    return Error{kExitConfig,
                 "no inbox directory: set serve.inbox in the configuration (or run "
                 "under systemd, which sets STATE_DIRECTORY)"};
}

Status Inbox::prepare() const {
    std::error_code ec;
    for (const char* sub : {"", "accepted", "rejected"}) {
        fs::create_directories(fs::path(dir_) / sub, ec);
        if (ec)
            return Error{kExitIoErr,
                         "cannot create " + (fs::path(dir_) / sub).string() + ": " + ec.message()};
    }
    return {};
}

namespace {

// Moves `from` into `folder`, never overwriting: a name already taken gets a time prefix.
fs::path move_into(const fs::path& from, const fs::path& folder, std::int64_t now_ms) {
    fs::path to = folder / from.filename();
    std::error_code ec;
    if (fs::exists(to, ec)) to = folder / (std::to_string(now_ms) + "-" + from.filename().string());
    fs::rename(from, to, ec);
    if (ec) log::error("cannot move " + from.string() + " to " + to.string() + ": " + ec.message());
    return to;
}

}  // namespace

InboxScan Inbox::scan(queue::Store& store, const Config& cfg, std::int64_t now_ms,
                      const SubmitControl& control) const {
    InboxScan s;
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        std::string name = p.filename().string();
        if (!it->is_regular_file(ec) || name.empty() || name[0] == '.') continue;
        std::string ext = p.extension().string();
        if (ext != ".yaml" && ext != ".yml") continue;
        files.push_back(p);
    }
    if (ec) {
        log::error("cannot read the inbox " + dir_ + ": " + ec.message());
        return s;
    }
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
        if (control.cancelled && control.cancelled()) break;
        auto mtime = fs::last_write_time(p, ec);
        if (!ec) {
            auto age = fs::file_time_type::clock::now() - mtime;
            if (age < std::chrono::seconds(1)) {
                ++s.deferred;
                continue;
            }
        }
        SubmitOutcome o = submit_file(store, p.string(), cfg, control);
        switch (o.status) {
            case SubmitStatus::Submitted:
            case SubmitStatus::AlreadySubmitted: {
                log::info("inbox: " + describe(o));
                move_into(p, fs::path(dir_) / "accepted", now_ms);
                ++s.accepted;
                break;
            }
            case SubmitStatus::Invalid:
            case SubmitStatus::Refused: {
                fs::path moved = move_into(p, fs::path(dir_) / "rejected", now_ms);
                std::ofstream err(moved.string() + ".error", std::ios::trunc);
                err << "rejected at " << format_rfc3339_ms(now_ms) << "; nothing was enqueued\n";
                for (const auto& e : o.errors) err << e << "\n";
                log::warn("inbox: " + p.filename().string() + " rejected (" +
                          std::to_string(o.errors.size()) + " error(s)); see " + moved.string() +
                          ".error");
                ++s.rejected;
                break;
            }
            case SubmitStatus::StoreError:
                log::error("inbox: " + describe(o) + "; the file stays in the inbox");
                ++s.deferred;
                break;
        }
    }
    return s;
}

}  // namespace qbi::app
