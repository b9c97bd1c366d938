// qbi-runner against Alibaba Cloud's official SDK core, side by side, in one run.
//
// Both sides make the same 20k CancelCollection calls against the same qbi-sim binary (zero
// latency, the default v3 signature on both sides), with 8 and then 64 concurrent calls:
//
//   qbi-runner  the real binaries: `qbi-runner submit JOB` (a job file naming exactly the
//               world's favourites) then `qbi-runner run --workers C --max-qps 100000`,
//               durable (synchronous=FULL, the default), on a fresh database. Timed as
//               processes: submit + run together, and run alone.
//   SDK         bench/sdk_baseline/baseline.mjs: the same calls through @alicloud/openapi-client
//               (Client.callApi, as the generated quickbi-public client calls it), C at a time
//               over keep-alive connections, nothing persisted. Its own calls/s (node start-up
//               and module loading excluded, which favours the SDK).
//
// Every measurement gets a fresh qbi-sim process with a fresh generated world
// (--generate users=100,works=1000,favorites=N --seed S); the job file and the SDK's call list
// are built from the same spec and seed with the simulator's own generator, and afterwards
// the simulator's final state (--state-out) must hold no favourite, and every call must have
// answered Result true (qbi-runner: N done, 0 already absent; SDK: N ok). Figures are medians
// over --runs repetitions (4); each repetition measures C=8 and C=64 for both sides in turn,
// every other one in the opposite order (C=64 first, the SDK before qbi-runner).
//
// Printed: per measurement, the times, tasks/s and the CPU seconds used by qbi-runner (or
// node), by qbi-sim and by the rest of the machine; then the medians, the ratios qbi-runner/SDK
// at each concurrency (submit + run, and run alone), and qbi-runner's 64-worker/8-worker
// ratio. The targets are judged on the median of each repetition's own ratio (its two
// measurements are close in time; the machine's speed drifts over a bench), with the ratio of
// the medians printed beside it. Targets (the issue): 64 workers within 5 % of 8 workers (run
// alone), and qbi-runner submit + run >= 2x the SDK at both concurrencies. Exit 0 when met, 1 when
// missed or a run went wrong, 0 with a "skipped" line when node or the SDK's npm modules are
// missing.
//
// A shared machine: before each measurement the bench waits (up to 2 minutes) for the machine
// to be 85 % idle, and a measurement during which other processes used more than 10 % of the
// CPU is taken again (--busy-retries, 3 by default).
//
// Needs: `make build` (or cmake --build) and, once, `npm ci` in bench/sdk_baseline (node 18 or
// later: Debian 12's nodejs and npm packages). Not part of `make test`; `make bench` runs it
// with the other benchmarks.
//
// Usage: sdk_compare_bench [--runs N] [--tasks N] [--concurrency 8,64] [--only runner|sdk]
//                          [--seed S] [--dir DIR] [--keep] [--sdk-dir DIR] [--busy-retries N]
//                          [--runner PATH] [--sim PATH] [--wrap-run "CMD ARGS"]
//   --wrap-run  prefix for the timed `qbi-runner run` command, split at spaces, e.g.
//               --wrap-run "perf record -g -o /tmp/run.data --" (for profiling; the figures
//               then include the wrapper's overhead)
//   --keep      keep the per-measurement directories (databases, logs, job files) under DIR
//   --runner, --sim  other binaries (A/B comparisons of a change)
//   QBI_SDK_BASELINE_DIR overrides the default bench/sdk_baseline.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runner/sim/world_io.h"

#ifndef QBI_BENCH_QBI_RUNNER_BIN
#define QBI_BENCH_QBI_RUNNER_BIN ""
#endif
#ifndef QBI_BENCH_QBI_SIM_BIN
#define QBI_BENCH_QBI_SIM_BIN ""
#endif

namespace fs = std::filesystem;

namespace {

constexpr const char* kKeyId = "AKIDsdkCompare0001";
constexpr const char* kKeySecret = "sdk-compare-bench-secret";

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "sdk_compare_bench: %s\n", what.c_str());
    std::exit(1);
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& p, const std::string& text, mode_t mode = 0644) {
    {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) die("cannot write " + p.string());
    }
    ::chmod(p.c_str(), mode);
}

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// A child process with an explicit argv and environment (nothing else inherited), stdin from
// /dev/null, stdout and stderr to files.
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          const fs::path& out, const fs::path& err)
        : out_(out), err_(err) {
        std::vector<std::string> env_strings;
        for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
        std::vector<std::string> args = argv;
        std::vector<char*> cargv, cenv;
        for (auto& a : args) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        for (auto& e : env_strings) cenv.push_back(e.data());
        cenv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        // posix_spawnp looks the program up in the PATH of *our* environment.
        const int rc = ::posix_spawnp(&pid_, cargv[0], &actions, &attr, cargv.data(), cenv.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) pid_ = -1;
    }
    ~Child() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            wait();
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool started() const { return pid_ > 0; }
    bool running() {
        if (pid_ <= 0 || status_ >= 0) return false;
        int st = 0;
        if (::wait4(pid_, &st, WNOHANG, &usage_) == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return false;
        }
        return true;
    }
    // Waits for the end (at most timeout_s, then SIGKILL): the exit code, 128 + signal.
    int wait(double timeout_s = 600) {
        if (pid_ <= 0) return 127;
        const auto t0 = Clock::now();
        while (running()) {
            if (seconds_since(t0) > timeout_s) ::kill(pid_, SIGKILL);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return status_;
    }
    int wait_blocking() {  // for timed children: no polling delay in the figure
        if (pid_ <= 0) return 127;
        if (status_ < 0) {
            int st = 0;
            ::wait4(pid_, &st, 0, &usage_);
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        return status_;
    }
    void signal(int sig) {
        if (running()) ::kill(pid_, sig);
    }
    std::string out() const { return read_file(out_); }
    std::string err() const { return read_file(err_); }
    // CPU seconds (user + system) the child used, once it has ended.
    double cpu_s() const {
        auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
        return s(usage_.ru_utime) + s(usage_.ru_stime);
    }
    long context_switches() const { return usage_.ru_nvcsw + usage_.ru_nivcsw; }

private:
    pid_t pid_ = -1;
    int status_ = -1;
    rusage usage_{};
    fs::path out_, err_;
};

// CPU seconds the whole machine has spent busy (every core, every process) since boot.
double machine_busy_s() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return static_cast<double>(user + nice + system + irq + softirq + steal) / tick;
}

double machine_total_s() {  // busy + idle, every core
    std::ifstream in("/proc/stat");
    std::string cpu;
    long long v = 0, sum = 0;
    in >> cpu;
    for (int i = 0; i < 8 && in >> v; ++i) sum += v;
    return static_cast<double>(sum) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Waits (at most max_s) until the machine has been at least 85 % idle over half a second, so
// that a measurement does not start in the middle of someone else's build. False: still busy.
bool settle(double max_s) {
    const auto t0 = Clock::now();
    for (;;) {
        const double b0 = machine_busy_s(), t_0 = machine_total_s();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        const double total = machine_total_s() - t_0;
        if (total <= 0 || (machine_busy_s() - b0) / total <= 0.15) return true;
        if (seconds_since(t0) > max_s) return false;
    }
}

std::string tail(const std::string& s, std::size_t n = 1500) {
    return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// A number after "key": or key= in a line of output; nullopt if absent.
std::optional<double> field(const std::string& text, const std::string& key) {
    for (const std::string& k : {"\"" + key + "\":", key + "="}) {
        const auto p = text.find(k);
        if (p == std::string::npos) continue;
        return std::strtod(text.c_str() + p + k.size(), nullptr);
    }
    return std::nullopt;
}

struct Options {
    int runs = 4;
    int tasks = 20000;
    std::vector<int> concurrency = {8, 64};
    std::string only;  // "", "runner", "sdk"
    std::uint64_t seed = 4242;
    fs::path base;
    bool keep = false;
    fs::path sdk_dir;
    std::string runner = QBI_BENCH_QBI_RUNNER_BIN;
    std::string sim = QBI_BENCH_QBI_SIM_BIN;
    std::vector<std::string> wrap_run;
    int busy_retries = 3;  // measure again when other processes took > 10 % of the machine
};

std::string generate_spec(int tasks) {
    // 100 users x 1000 works: 100k possible favourites, `tasks` of them drawn.
    const int works = std::max(1000, tasks / 50);
    return "users=100,works=" + std::to_string(works) + ",favorites=" + std::to_string(tasks);
}

// The world qbi-sim will build from (spec, seed): the same generator, linked in.
qbi::sim::WorldData world_for(const std::string& spec, std::uint64_t seed) {
    auto parsed = qbi::sim::parse_generate_spec(spec);
    if (!parsed) die("bad spec " + spec + ": " + parsed.error().message);
    return qbi::sim::generate_world(*parsed, seed);
}

// A job file with one cancel-collection entry per user, naming that user's favourites.
std::string job_yaml(const qbi::sim::WorldData& w, const std::string& name) {
    std::map<std::string, std::vector<std::string>> by_user;
    std::vector<std::string> order;
    for (const auto& f : w.favorites) {
        auto& v = by_user[f.user];
        if (v.empty()) order.push_back(f.user);
        v.push_back(f.work);
    }
    std::string y = "version: 1\njob: " + name + "\ndescription: sdk_compare_bench\ntasks:\n";
    for (const auto& user : order) {
        y += "  - cancel-collection:\n      user: \"" + user + "\"\n      works: [";
        const auto& works = by_user[user];
        for (std::size_t i = 0; i < works.size(); ++i) y += (i ? ", " : "") + works[i];
        y += "]\n";
    }
    return y;
}

std::string calls_tsv(const qbi::sim::WorldData& w) {
    std::string t;
    for (const auto& f : w.favorites) t += f.user + "\t" + f.work + "\n";
    return t;
}

std::map<std::string, std::string> base_env(const fs::path& home) {
    std::map<std::string, std::string> env;
    const char* path = std::getenv("PATH");
    env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
    env["HOME"] = home.string();  // no ~/.alibabacloud or ~/.aliyun of the user's
    env["LANG"] = "C.UTF-8";
    return env;
}

// A running qbi-sim with a fresh generated world.
class Sim {
public:
    Sim(const Options& o, const fs::path& dir, const std::string& spec, std::uint64_t seed)
        : dir_(dir) {
        write_file(dir / "sim.credentials", std::string(kKeyId) + ":" + kKeySecret + "\n", 0600);
        child_.emplace(std::vector<std::string>{o.sim, "-q", "--generate", spec, "--seed",
                                                std::to_string(seed), "--port", "0", "--port-file",
                                                (dir / "sim.port").string(), "--ca-out",
                                                (dir / "ca.pem").string(), "--credentials-file",
                                                (dir / "sim.credentials").string(), "--state-out",
                                                (dir / "sim-state.json").string()},
                       base_env(dir), dir / "sim.out", dir / "sim.err");
        if (!child_->started()) die("cannot start " + o.sim);
        const auto t0 = Clock::now();
        while (!fs::exists(dir / "sim.port") || read_file(dir / "sim.port").empty()) {
            if (!child_->running()) die("qbi-sim exited: " + tail(child_->err()));
            if (seconds_since(t0) > 60) die("qbi-sim did not write its port file within 60 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        port_ = std::atoi(read_file(dir / "sim.port").c_str());
    }
    int port() const { return port_; }
    fs::path ca() const { return dir_ / "ca.pem"; }
    // SIGTERM, then the number of favourites left in the final state (-1: unreadable).
    long stop_and_count_favorites() {
        child_->signal(SIGTERM);
        const int rc = child_->wait(60);
        cpu_s_ = child_->cpu_s();
        if (rc != 0) die("qbi-sim exited " + std::to_string(rc) + ": " + tail(child_->err()));
        const std::string state = read_file(dir_ / "sim-state.json");
        const auto p = state.find("\"favorites\":[");
        if (p == std::string::npos) return -1;
        const auto q = state.find(']', p);
        const std::string list = state.substr(p, q - p);
        return static_cast<long>(std::count(list.begin(), list.end(), '{'));
    }

    double cpu_s() const { return cpu_s_; }  // after stop_and_count_favorites

private:
    fs::path dir_;
    int port_ = 0;
    double cpu_s_ = 0;
    std::optional<Child> child_;
};

struct RunnerFigures {
    double submit_s = 0, run_s = 0, engine_s = 0;
    // CPU seconds during `run`: qbi-runner's, qbi-sim's (its whole life; it idles otherwise),
    // and the rest of the machine's (other processes: a busy machine skews the figures).
    double run_cpu_s = 0, sim_cpu_s = 0, other_cpu_s = 0;
    long run_context_switches = 0;
};

RunnerFigures measure_runner(const Options& o, const fs::path& dir, int concurrency,
                             std::uint64_t seed, const std::string& job_name) {
    const std::string spec = generate_spec(o.tasks);
    const auto world = world_for(spec, seed);
    write_file(dir / "job.yaml", job_yaml(world, job_name));
    write_file(dir / "runner.ini",
               "[queue]\nsynchronous = full\n[rate]\nmax_qps = 100000\n[log]\nlevel = info\n");
    Sim sim(o, dir, spec, seed);

    auto env = base_env(dir);
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = kKeyId;
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = kKeySecret;
    const std::vector<std::string> global = {o.runner,
                                             "--config",
                                             (dir / "runner.ini").string(),
                                             "--db",
                                             (dir / "queue.db").string(),
                                             "--endpoint",
                                             "https://127.0.0.1:" + std::to_string(sim.port()),
                                             "--ca-file",
                                             sim.ca().string(),
                                             "--json"};

    RunnerFigures f;
    std::vector<std::string> submit = global;
    submit.insert(submit.end(), {"submit", (dir / "job.yaml").string()});
    auto t0 = Clock::now();
    Child s(submit, env, dir / "submit.out", dir / "submit.err");
    int rc = s.wait_blocking();
    f.submit_s = seconds_since(t0);
    if (rc != 0) die("qbi-runner submit exited " + std::to_string(rc) + ": " + tail(s.err()));

    std::vector<std::string> run = o.wrap_run;
    run.insert(run.end(), global.begin(), global.end());
    run.insert(run.end(), {"run", "--workers", std::to_string(concurrency), "--max-qps", "100000"});
    const double busy0 = machine_busy_s();
    t0 = Clock::now();
    Child r(run, env, dir / "run.out", dir / "run.err");
    rc = r.wait_blocking();
    f.run_s = seconds_since(t0);
    const double busy = machine_busy_s() - busy0;
    f.run_cpu_s = r.cpu_s();
    f.run_context_switches = r.context_switches();
    const std::string out = r.out();
    if (rc != 0) die("qbi-runner run exited " + std::to_string(rc) + ": " + tail(out + r.err()));
    const double done = field(out, "done").value_or(-1);
    const double absent = field(out, "already_absent").value_or(-1);
    const double failed = field(out, "failed").value_or(-1);
    f.engine_s = field(out, "elapsed_ms").value_or(0) / 1000.0;
    const long left = sim.stop_and_count_favorites();
    f.sim_cpu_s = sim.cpu_s();
    f.other_cpu_s = std::max(0.0, busy - f.run_cpu_s - f.sim_cpu_s);
    if (done != o.tasks || absent != 0 || failed != 0 || left != 0)
        die("qbi-runner run did not cancel every favourite: done " + std::to_string(done) +
            ", already absent " + std::to_string(absent) + ", failed " + std::to_string(failed) +
            ", favourites left in the simulator " + std::to_string(left) + "\n" + tail(out));
    return f;
}

struct SdkFigures {
    double calls_per_s = 0, wall_s = 0;
    double node_cpu_s = 0, sim_cpu_s = 0, other_cpu_s = 0;  // as in RunnerFigures
};

SdkFigures measure_sdk(const Options& o, const fs::path& dir, int concurrency, std::uint64_t seed) {
    const std::string spec = generate_spec(o.tasks);
    write_file(dir / "calls.tsv", calls_tsv(world_for(spec, seed)));
    Sim sim(o, dir, spec, seed);
    auto env = base_env(dir);
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = kKeyId;
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = kKeySecret;
    env["NODE_EXTRA_CA_CERTS"] = sim.ca().string();
    const double busy0 = machine_busy_s();
    const auto t0 = Clock::now();
    Child n({"node", (o.sdk_dir / "baseline.mjs").string(), "--endpoint",
             "127.0.0.1:" + std::to_string(sim.port()), "--favorites", (dir / "calls.tsv").string(),
             "--concurrency", std::to_string(concurrency)},
            env, dir / "node.out", dir / "node.err");
    const int rc = n.wait_blocking();
    SdkFigures f;
    f.wall_s = seconds_since(t0);
    const double busy = machine_busy_s() - busy0;
    const std::string out = n.out();
    const long left = sim.stop_and_count_favorites();
    f.node_cpu_s = n.cpu_s();
    f.sim_cpu_s = sim.cpu_s();
    f.other_cpu_s = std::max(0.0, busy - f.node_cpu_s - f.sim_cpu_s);
    const double ok = field(out, "ok").value_or(-1);
    if (rc != 0 || ok != o.tasks || left != 0)
        die("the SDK baseline exited " + std::to_string(rc) + " with ok=" + std::to_string(ok) +
            ", favourites left " + std::to_string(left) + ":\n" + tail(out + n.err()));
    f.calls_per_s = field(out, "calls_per_s").value_or(0);
    return f;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// "" when the SDK side can run, else why not.
std::string sdk_missing(const Options& o) {
    const fs::path d = o.base / ("qbi-sdk-compare-probe-" + std::to_string(::getpid()));
    fs::create_directories(d);
    Child probe({"node", "--version"}, base_env(d), d / "out", d / "err");
    const int rc = probe.wait(30);
    const std::string version = probe.out();
    fs::remove_all(d);
    if (rc != 0) return "node was not found in PATH (apt-get install nodejs npm)";
    const int major = std::atoi(version.c_str() + (version.starts_with("v") ? 1 : 0));
    if (major < 18)
        return "node " + version.substr(0, version.find('\n')) + " is too old (18 or later)";
    if (!fs::exists(o.sdk_dir / "baseline.mjs"))
        return o.sdk_dir.string() + "/baseline.mjs is missing";
    if (!fs::exists(o.sdk_dir / "node_modules/@alicloud/openapi-client/package.json"))
        return "the SDK's npm modules are not installed: run `npm ci` in " + o.sdk_dir.string();
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    o.base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    o.sdk_dir = std::getenv("QBI_SDK_BASELINE_DIR")
                    ? fs::path(std::getenv("QBI_SDK_BASELINE_DIR"))
                    : fs::path(QBI_BENCH_SOURCE_DIR) / "bench" / "sdk_baseline";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--runs")
            o.runs = std::max(1, std::atoi(value().c_str()));
        else if (a == "--tasks")
            o.tasks = std::max(1, std::atoi(value().c_str()));
        else if (a == "--concurrency") {
            o.concurrency.clear();
            std::string v = value();
            std::replace(v.begin(), v.end(), ',', ' ');
            for (const auto& w : split_words(v))
                o.concurrency.push_back(std::max(1, std::atoi(w.c_str())));
        } else if (a == "--only")
            o.only = value();
        else if (a == "--seed")
            o.seed = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--dir")
            o.base = value();
        else if (a == "--keep")
            o.keep = true;
        else if (a == "--sdk-dir")
            o.sdk_dir = value();
        else if (a == "--runner")
            o.runner = value();
        else if (a == "--sim")
            o.sim = value();
        else if (a == "--wrap-run")
            o.wrap_run = split_words(value());
        else if (a == "--busy-retries")
            o.busy_retries = std::max(0, std::atoi(value().c_str()));
        else
            die("unknown option " + a +
                " (see the comment at the top of bench/sdk_compare_bench.cpp)");
    }
    if (!o.only.empty() && o.only != "runner" && o.only != "sdk") die("--only takes runner or sdk");
    const bool want_runner = o.only != "sdk", want_sdk = o.only != "runner";
    if (want_runner && (o.runner.empty() || !fs::exists(o.runner)))
        die("the qbi-runner binary is missing (" + o.runner + "): build first (make build)");
    if (o.sim.empty() || !fs::exists(o.sim))
        die("the qbi-sim binary is missing: build first (make build)");
    fs::create_directories(o.base);
    if (want_sdk) {
        if (const std::string why = sdk_missing(o); !why.empty()) {
            std::printf("sdk_compare_bench: skipped: %s\n", why.c_str());
            return 0;
        }
    }

    std::printf(
        "sdk_compare: %d CancelCollection calls per measurement, zero latency, v3 "
        "signatures, qbi-sim %s; qbi-runner durable (synchronous=FULL); median of %d\n",
        o.tasks, generate_spec(o.tasks).c_str(), o.runs);
    std::fflush(stdout);
    const fs::path root = o.base / ("qbi-sdk-compare-" + std::to_string(::getpid()));
    std::map<int, std::vector<double>> submit_run, run_alone, engine_only, sdk, sdk_wall;
    const double cores = static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    int measurement = 0;
    for (int r = 0; r < o.runs; ++r) {
        // Every other repetition runs in the opposite order (the concurrencies, and the SDK
        // before qbi-runner), so that what comes first, or after the other side, does not
        // always fall on the same measurement.
        std::vector<int> order = o.concurrency;
        const bool reversed = r % 2 == 1;
        if (reversed) std::reverse(order.begin(), order.end());
        for (int c : order) {
            const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(r);
            std::string line = "  run " + std::to_string(r + 1) + ", C=" + std::to_string(c) + ":";
            std::string runner_part, sdk_part;
            char buf[512];
            auto measure_runner_side = [&] {
                const fs::path dir =
                    root / ("m" + std::to_string(++measurement) + "-runner-c" + std::to_string(c));
                RunnerFigures f;
                for (int attempt = 0;; ++attempt) {
                    fs::remove_all(dir);
                    fs::create_directories(dir);
                    if (!settle(120)) std::printf("  (the machine stays busy; measuring anyway)\n");
                    f = measure_runner(o, dir, c, seed,
                                       "sdk-compare-" + std::to_string(measurement));
                    if (f.other_cpu_s <= 0.1 * cores * f.run_s || attempt >= o.busy_retries) break;
                    std::printf(
                        "  (C=%d qbi-runner: other processes used %.2f CPU s of %.2f; "
                        "measuring again)\n",
                        c, f.other_cpu_s, cores * f.run_s);
                }
                submit_run[c].push_back(o.tasks / (f.submit_s + f.run_s));
                run_alone[c].push_back(o.tasks / f.run_s);
                engine_only[c].push_back(f.engine_s > 0 ? o.tasks / f.engine_s : 0);
                std::snprintf(buf, sizeof buf,
                              " qbi-runner submit %.3f s + run %.3f s (engine %.3f s): %.0f/s "
                              "submit+run, %.0f/s run [CPU s: runner %.2f, sim %.2f, other "
                              "%.2f; runner csw %ld];",
                              f.submit_s, f.run_s, f.engine_s, submit_run[c].back(),
                              run_alone[c].back(), f.run_cpu_s, f.sim_cpu_s, f.other_cpu_s,
                              f.run_context_switches);
                runner_part = buf;
                if (!o.keep) fs::remove_all(dir);
            };
            auto measure_sdk_side = [&] {
                const fs::path dir =
                    root / ("m" + std::to_string(++measurement) + "-sdk-c" + std::to_string(c));
                SdkFigures f;
                for (int attempt = 0;; ++attempt) {
                    fs::remove_all(dir);
                    fs::create_directories(dir);
                    if (!settle(120)) std::printf("  (the machine stays busy; measuring anyway)\n");
                    f = measure_sdk(o, dir, c, seed);
                    if (f.other_cpu_s <= 0.1 * cores * f.wall_s || attempt >= o.busy_retries) break;
                    std::printf(
                        "  (C=%d SDK: other processes used %.2f CPU s of %.2f; measuring "
                        "again)\n",
                        c, f.other_cpu_s, cores * f.wall_s);
                }
                sdk[c].push_back(f.calls_per_s);
                sdk_wall[c].push_back(o.tasks / f.wall_s);
                std::snprintf(buf, sizeof buf,
                              " SDK %.0f calls/s (%.0f/s with node start-up) [CPU s: node "
                              "%.2f, sim %.2f, other %.2f]",
                              f.calls_per_s, sdk_wall[c].back(), f.node_cpu_s, f.sim_cpu_s,
                              f.other_cpu_s);
                sdk_part = buf;
                if (!o.keep) fs::remove_all(dir);
            };
            if (want_sdk && reversed) measure_sdk_side();
            if (want_runner) measure_runner_side();
            if (want_sdk && !reversed) measure_sdk_side();
            line += runner_part + sdk_part;
            std::printf("%s\n", line.c_str());
            std::fflush(stdout);
        }
    }
    if (!o.keep) fs::remove_all(root);

    std::printf("\n%-6s %16s %12s %12s %12s %14s %12s\n", "C", "runner sub+run", "runner run",
                "runner engine", "SDK", "sub+run / SDK", "run / SDK");
    for (int c : o.concurrency) {
        const double sr = median(submit_run[c]), ra = median(run_alone[c]),
                     en = median(engine_only[c]), sd = median(sdk[c]);
        auto ratio = [&](double a) -> std::string {
            if (!want_runner || !want_sdk || sd <= 0) return "-";
            char b[32];
            std::snprintf(b, sizeof b, "%.2fx", a / sd);
            return b;
        };
        std::printf("%-6d %16.0f %12.0f %12.0f %12.0f %14s %12s\n", c, sr, ra, en, sd,
                    ratio(sr).c_str(), ratio(ra).c_str());
    }

    // The verdicts take the median of each repetition's own ratio: its measurements are minutes
    // apart at most, while the machine's speed drifts across a whole bench (the ratio of the
    // medians is printed beside it).
    auto pairwise = [](const std::vector<double>& a, const std::vector<double>& b) {
        std::vector<double> r;
        for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
            if (b[i] > 0) r.push_back(a[i] / b[i]);
        return median(r);
    };
    int missed = 0;
    const int lo = o.concurrency.front(), hi = o.concurrency.back();
    if (want_runner && lo != hi) {
        const double scale = pairwise(run_alone[hi], run_alone[lo]);
        const double scale_sr = pairwise(submit_run[hi], submit_run[lo]);
        std::printf(
            "qbi-runner %d/%d workers, median of the repetitions' ratios: run alone %.3f, "
            "submit+run %.3f (ratio of the medians: %.3f, %.3f); target >= 0.95 %s\n",
            hi, lo, scale, scale_sr, median(run_alone[hi]) / median(run_alone[lo]),
            median(submit_run[hi]) / median(submit_run[lo]), scale >= 0.95 ? "met" : "MISSED");
        if (scale < 0.95) ++missed;
    }
    if (want_runner && want_sdk) {
        for (int c : o.concurrency) {
            const double ratio = pairwise(submit_run[c], sdk[c]);
            std::printf(
                "qbi-runner submit+run / SDK at C=%d, median of the repetitions' ratios: %.2fx "
                "(ratio of the medians: %.2fx); target >= 2x %s\n",
                c, ratio, median(submit_run[c]) / median(sdk[c]), ratio >= 2 ? "met" : "MISSED");
            if (ratio < 2) ++missed;
        }
    }
    return missed == 0 ? 0 : 1;
}
