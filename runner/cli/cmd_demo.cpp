// qbi-runner demo [--examples DIR] [--no-faults] [--workers N] [--seed S] [--sim PATH]: the
// product end to end against qbi-sim on loopback (runner/demo/demo.h). Every option is checked
// before anything starts.
#include <charconv>
#include <ostream>

#include "runner/app/signals.h"
#include "runner/cli/commands.h"
#include "runner/demo/demo.h"

namespace qbi::cli {

namespace {

template <class T>
std::optional<T> whole_number(const std::string& text) {
    T v{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace

int cmd_demo(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("demo"));
    if (!a) return inv.fail(a.error());
    if (!a->positional.empty())
        return inv.fail(kExitUsage,
                        "demo takes no arguments besides options, got '" + a->positional[0] + "'");
    demo::DemoOptions o;
    o.examples_dir = a->get("--examples");
    o.sim_binary = a->get("--sim");
    o.faults = !a->has("--no-faults");
    if (a->has("--workers")) {
        auto w = whole_number<int>(a->get("--workers"));
        if (!w || *w < 1 || *w > 512)
            return inv.fail(kExitUsage, "--workers: expected a whole number from 1 to 512, got '" +
                                            a->get("--workers") + "'");
        o.workers = *w;
    }
    if (a->has("--seed")) {
        auto s = whole_number<std::uint64_t>(a->get("--seed"));
        if (!s)
            return inv.fail(kExitUsage,
                            "--seed: expected a whole number, got '" + a->get("--seed") + "'");
        o.seed = *s;
    }
    app::block_signals();
    app::SignalWatcher signals;
    demo::DemoHooks hooks;
    hooks.run = [&](app::RunnerSession& session, engine::EngineOptions opt,
                    const std::atomic<bool>& stop) {
        return run_with_progress(inv, session, std::move(opt), stop);
    };
    hooks.status = [&](queue::Store& store) { print_status(inv, store); };
    int rc = demo::run_demo(o, inv.config, inv.env, inv.clock, inv.nonces, signals.stop_flag(),
                            inv.out, inv.err, hooks);
    return rc;
}

}  // namespace qbi::cli
