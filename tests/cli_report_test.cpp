// `qbi-runner report JOB`: the evidence report of a real run against the simulator with faults
// (retries and permanent failures), rendered by a real headless browser (Debian's chromium):
// no console error, a screenshot with the chart's colours, the numbers of `status --json` and
// `audit verify --json`, a hostile description shown as text. The Markdown form escapes every
// value; the error paths (unknown job, no database, bad options, an unwritable file, a broken
// audit chain) say what went wrong. Escaping and the timeline's bars are checked as units.
#include <Poco/InflatingStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "runner/app/report.h"
#include "runner/app/report_parts.h"
#include "runner/core/clock.h"
#include "runner/queue/store.h"
#include "tests/support/cli_runner.h"
#include "tests/support/process.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

namespace fs = std::filesystem;

// A description made hostile: markup, a table pipe, a code span, a heading, a link, an entity.
const char* kJob =
    "version: 1\njob: report-job\n"
    "description: 'HR-1 <script>alert(1)</script> | `x` # [a](http://e) *b* &amp; \"q\"'\n"
    "max_attempts: 15\ntasks:\n"
    "  - cancel-collection: {user: u1, works: [w1, w2, w3, w4, w5, w6, w7, w8]}\n"
    "  - cancel-collection: {user: ghost, works: [w1, w2]}\n";

// The run the report tests read (each test process makes its own): 10 tasks, one worker, half
// the answers Internal.System.Error: retries (none in the first 10 calls: p = 0.1%), and two
// permanent failures (the account ghost is not in the organisation); 15 attempts, so that no
// task runs out of them (p = 0.03%).
class ReportCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        test::SimFixtureOptions o;
        o.credentials = {test::sim_credentials("AKIDreportcli0001", "report-secret")};
        o.world_yaml =
            "favorites: [{user: u1, work: w1}, {user: u1, work: w2}, {user: u1, work: w3}, "
            "{user: u1, work: w4}, {user: u1, work: w5}, {user: u1, work: w6}, {user: u1, work: "
            "w7}, {user: u1, work: w8}]\nimplicit: true\n";
        o.faults.fail = {{"Internal.System.Error", 0, 0.5}};
        o.seed = 7;
        sim_ = new test::SimFixture(o);
        // A source file name that is itself hostile.
        job_file_ = dir_->write("hr<1>&\"job\".yaml", kJob).string();
        auto s = cli({"submit", job_file_});
        ASSERT_EQ(s.code, 0) << s.err;
        // Short backoffs keep the retries quick.
        auto cfg = dir_->write("runner.ini", "[run]\nbackoff_base = 10ms\nbackoff_cap = 50ms\n");
        auto r = cli({"--config", cfg.string(), "run", "--workers", "1"});
        ASSERT_EQ(r.code, 1) << r.out << r.err;  // some tasks failed
    }
    static void TearDownTestSuite() {
        delete sim_;
        delete dir_;
    }
    static test::CliResult cli(std::vector<std::string> args) {
        std::vector<std::string> argv{"--db",           db(),        "--endpoint",
                                      sim_->endpoint(), "--ca-file", sim_->ca_file()};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_cli(argv,
                             env_from_map({{"HOME", dir_->path().string()},
                                           {"ALIBABA_CLOUD_ACCESS_KEY_ID", "AKIDreportcli0001"},
                                           {"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "report-secret"}}));
    }
    static std::string db() { return (dir_->path() / "q.db").string(); }
    static Poco::JSON::Object::Ptr json(const std::string& text) {
        Poco::JSON::Parser p;
        return p.parse(text).extract<Poco::JSON::Object::Ptr>();
    }
    static inline test::TempDir* dir_ = nullptr;
    static inline test::SimFixture* sim_ = nullptr;
    static inline std::string job_file_;
};

// The text between `open` (an element's start, e.g. `id="count-total">`) and the next '<'.
std::string element_text(const std::string& dom, const std::string& open) {
    const auto at = dom.find(open);
    if (at == std::string::npos) return "(missing " + open + ")";
    const auto from = at + open.size();
    return dom.substr(from, dom.find('<', from) - from);
}

std::string find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');)
        if (!d.empty() && ::access((d + "/" + name).c_str(), X_OK) == 0) return d + "/" + name;
    return "";
}

// A PNG's pixels as RGB triples (8-bit RGB or RGBA, non-interlaced: what chromium writes).
struct Image {
    int width = 0, height = 0;
    std::vector<std::array<unsigned char, 3>> pixels;
};
std::uint32_t be32(const std::string& s, std::size_t at) {
    return (std::uint32_t(std::uint8_t(s[at])) << 24) |
           (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}
std::string read_all(std::istream& in) {
    std::string all;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0)
        all.append(buf, static_cast<std::size_t>(in.gcount()));
    return all;
}
Image decode_png(const std::string& png) {
    Image img;
    if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return img;
    std::string idat;
    int channels = 0;
    for (std::size_t at = 8; at + 12 <= png.size();) {
        const std::uint32_t len = be32(png, at);
        const std::string type = png.substr(at + 4, 4);
        if (type == "IHDR") {
            img.width = static_cast<int>(be32(png, at + 8));
            img.height = static_cast<int>(be32(png, at + 12));
            const int depth = std::uint8_t(png[at + 16]), colour = std::uint8_t(png[at + 17]);
            if (depth != 8 || (colour != 2 && colour != 6) || png[at + 20] != 0) return Image{};
            channels = colour == 2 ? 3 : 4;
        } else if (type == "IDAT") {
            idat += png.substr(at + 8, len);
        }
        at += 12 + len;
    }
    std::istringstream compressed(idat);
    Poco::InflatingInputStream inflate(compressed, Poco::InflatingStreamBuf::STREAM_ZLIB);
    const std::string raw = read_all(inflate);
    const std::size_t stride = static_cast<std::size_t>(img.width) * channels;
    if (channels == 0 || raw.size() != (stride + 1) * static_cast<std::size_t>(img.height))
        return Image{};
    std::vector<unsigned char> prev(stride, 0), cur(stride);
    for (int y = 0; y < img.height; ++y) {
        const unsigned char filter = raw[y * (stride + 1)];
        for (std::size_t i = 0; i < stride; ++i) {
            const int x = std::uint8_t(raw[y * (stride + 1) + 1 + i]);
            const int a = i >= std::size_t(channels) ? cur[i - channels] : 0;
            const int b = prev[i];
            const int c = i >= std::size_t(channels) ? prev[i - channels] : 0;
            int pred = 0;
            switch (filter) {
                case 1:
                    pred = a;
                    break;
                case 2:
                    pred = b;
                    break;
                case 3:
                    pred = (a + b) / 2;
                    break;
                case 4: {
                    const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b),
                              pc = std::abs(p - c);
                    pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    break;
                }
                default:
                    break;
            }
            cur[i] = static_cast<unsigned char>((x + pred) & 0xff);
        }
        for (int px = 0; px < img.width; ++px)
            img.pixels.push_back(
                {cur[px * channels], cur[px * channels + 1], cur[px * channels + 2]});
        prev.swap(cur);
    }
    return img;
}
long count_colour(const Image& img, unsigned rgb) {
    long n = 0;
    for (const auto& p : img.pixels)
        if (std::abs(p[0] - int(rgb >> 16)) <= 3 && std::abs(p[1] - int((rgb >> 8) & 0xff)) <= 3 &&
            std::abs(p[2] - int(rgb & 0xff)) <= 3)
            ++n;
    return n;
}

// The HTML report in chromium: it loads with no console message (a script, a blocked fetch, a
// CSP violation would each log one), the dumped DOM holds no script element and shows the
// hostile description and file name as text, its counts are those of status --json, its proof
// is that of audit verify --json, and the screenshot shows the chart's bars in their colours.
TEST_F(ReportCli, HtmlRendersInChromiumWithTheNumbersOfStatus) {
    const std::string chromium = find_in_path("chromium");
    ASSERT_FALSE(chromium.empty()) << "chromium is needed (make deps installs it)";
    const std::string html = (dir_->path() / "report.html").string();
    auto r = cli({"report", "report-job", "-o", html});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "qbi-runner: report of job 1 (report-job) written to " + html + "\n");
    EXPECT_EQ(r.out, "");
    struct stat st {};
    ASSERT_EQ(::stat(html.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);

    const std::string shot = (dir_->path() / "shot.png").string();
    auto b = test::run_process(
        {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--force-color-profile=srgb",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--window-size=1280,1400",
         "--user-data-dir=" + (dir_->path() / "chromium").string(), "--screenshot=" + shot,
         "--dump-dom", "file://" + html},
        std::map<std::string, std::string>{{"HOME", dir_->path().string()}}, dir_->path().string(),
        60000);
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_EQ(b.err.find(":CONSOLE"), std::string::npos) << b.err;
    const std::string& dom = b.out;
    ASSERT_NE(dom.find("id=\"tasks\""), std::string::npos) << dom.substr(0, 2000);
    EXPECT_EQ(dom.find("<script"), std::string::npos);
    EXPECT_EQ(element_text(dom, "id=\"job-description\">"),
              "HR-1 &lt;script&gt;alert(1)&lt;/script&gt; | `x` # [a](http://e) *b* &amp;amp; "
              "\"q\"");  // the DOM serialiser writes quotes in text as they are
    EXPECT_NE(dom.find("hr&lt;1&gt;&amp;\"job\".yaml"), std::string::npos);

    auto status = cli({"--json", "status", "report-job"});
    ASSERT_EQ(status.code, 0) << status.err;
    auto counts = json(status.out)->getObject("job")->getObject("counts");
    for (const char* k :
         {"total", "queued", "running", "done", "already_absent", "failed", "cancelled"})
        EXPECT_EQ(element_text(dom, std::string("id=\"count-") + k + "\">"),
                  std::to_string(counts->getValue<long>(k)))
            << k;
    EXPECT_EQ(counts->getValue<long>("failed"), 2);
    EXPECT_EQ(element_text(dom, "id=\"job-state\">"), "failed");
    auto verify = cli({"--json", "audit", "verify"});
    ASSERT_EQ(verify.code, 0) << verify.err;
    auto v = json(verify.out);
    EXPECT_EQ(element_text(dom, "id=\"chain-rows\">"), std::to_string(v->getValue<long>("rows")));
    EXPECT_EQ(element_text(dom, "id=\"chain-head\">"), v->getValue<std::string>("head_hash"));
    EXPECT_EQ(element_text(dom, "id=\"chain-verdict\">"), "intact");
    // Retries happened: more rows than tasks, and the chart has a retryable layer.
    EXPECT_GT(v->getValue<long>("rows"), 10);
    EXPECT_EQ(element_text(dom, "id=\"job-rows\">"), std::to_string(v->getValue<long>("rows")));
    EXPECT_NE(dom.find("retryable error ("), std::string::npos);

    const Image img = decode_png(test::read_file(shot));
    ASSERT_EQ(img.width, 1280);
    ASSERT_EQ(img.height, 1400);
    std::map<unsigned, int> colours;
    for (const auto& p : img.pixels) ++colours[(p[0] << 16) | (p[1] << 8) | p[2]];
    EXPECT_GT(colours.size(), 20u);  // text, tables and the chart, not a blank page
    EXPECT_GT(count_colour(img, 0x2e7d32), 200) << "the done bars";
    EXPECT_GT(count_colour(img, 0xf9a825), 50) << "the retryable bars";
    EXPECT_GT(count_colour(img, 0xc62828), 50) << "the permanent bars";
}

// The console check above sees what it must: the same report with a script and an image from
// the network slipped in logs both (blocked by the report's Content-Security-Policy), so a
// report that needed a script or a fetch would fail that test.
TEST_F(ReportCli, TheConsoleCheckSeesAScriptAndAFetch) {
    const std::string chromium = find_in_path("chromium");
    ASSERT_FALSE(chromium.empty()) << "chromium is needed (make deps installs it)";
    auto r = cli({"report", "report-job"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string page = r.out;
    page.insert(page.find("</body>"),
                "<script>document.title = 'ran'</script><img src=\"http://192.0.2.1/x.png\">");
    const auto file = dir_->write("tampered.html", page);
    auto b = test::run_process(
        {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", "--user-data-dir=" + (dir_->path() / "chromium").string(), "--dump-dom",
         "file://" + file.string()},
        std::map<std::string, std::string>{{"HOME", dir_->path().string()}}, dir_->path().string(),
        60000);
    ASSERT_EQ(b.exit_code, 0) << b.err;
    // One console line for the blocked script, one for the blocked image.
    std::size_t lines = 0;
    for (auto at = b.err.find(":CONSOLE"); at != std::string::npos;
         at = b.err.find(":CONSOLE", at + 1))
        ++lines;
    EXPECT_GE(lines, 2u) << b.err;
    EXPECT_NE(b.err.find("http://192.0.2.1/x.png"), std::string::npos) << b.err;
    EXPECT_EQ(b.out.find("<title>ran</title>"), std::string::npos);
}

// Markdown to stdout (--format md), or chosen by the file's extension; every value escaped, the
// numbers those of status.
TEST_F(ReportCli, MarkdownEscapesEveryValueAndCountsAsStatus) {
    auto r = cli({"report", "1", "--format", "md"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("\n| Description | HR-1 \\<script\\>alert\\(1\\)\\</script\\> \\| \\`x\\` "
                         "\\# \\[a\\]\\(http://e\\) \\*b\\* \\&amp; \"q\" |\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("| Source | " + app::markdown_text(job_file_) + " |\n"),
              std::string::npos);
    EXPECT_EQ(r.out.find("<script"), r.out.find("\\<script") + 1);  // only escaped
    auto status = cli({"--json", "status", "report-job"});
    auto c = json(status.out)->getObject("job")->getObject("counts");
    const std::string row = "\n| " + std::to_string(c->getValue<long>("total")) + " | 0 | 0 | " +
                            std::to_string(c->getValue<long>("done")) + " | " +
                            std::to_string(c->getValue<long>("already_absent")) + " | 2 | 0 |\n";
    EXPECT_NE(r.out.find("| Total | Queued | Running | Done | Already absent | Failed | Cancelled "
                         "|\n|---:|---:|---:|---:|---:|---:|---:|" +
                         row),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("| User.Not.In.Organization | permanent error | 2 |"), std::string::npos)
        << r.out;
    // Every line of a table has the same number of unescaped pipes as its header.
    std::istringstream lines(r.out);
    std::size_t header_pipes = 0;
    for (std::string line; std::getline(lines, line);) {
        std::size_t pipes = 0;
        for (std::size_t i = 0; i < line.size(); ++i)
            if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++pipes;
        if (pipes == 0) {
            header_pipes = 0;
            continue;
        }
        if (header_pipes == 0) header_pipes = pipes;
        EXPECT_EQ(pipes, header_pipes) << line;
    }

    const std::string md = (dir_->path() / "r.md").string();
    ASSERT_EQ(cli({"report", "report-job", "-o", md}).code, 0);
    EXPECT_EQ(test::read_file(md).rfind("# Evidence report: job report-job\n", 0), 0u);
    const std::string forced = (dir_->path() / "forced.md").string();
    ASSERT_EQ(cli({"report", "report-job", "-o", forced, "--format", "html"}).code, 0);
    EXPECT_EQ(test::read_file(forced).rfind("<!DOCTYPE html>", 0), 0u);
}

// Read-only and exact about what went wrong; -o is atomic: a failed write leaves nothing.
TEST_F(ReportCli, ErrorsSayWhatWentWrong) {
    auto unknown = cli({"report", "nope"});
    EXPECT_EQ(unknown.code, 64);
    EXPECT_EQ(unknown.err, "qbi-runner: error: no job named 'nope' (see qbi-runner status)\n");
    EXPECT_EQ(cli({"status", "nope"}).err, unknown.err);
    auto none = cli({"report"});
    EXPECT_EQ(none.code, 64);
    EXPECT_EQ(none.err, "qbi-runner: error: report needs exactly one job\n");
    auto format = cli({"report", "report-job", "--format", "pdf"});
    EXPECT_EQ(format.code, 64);
    EXPECT_EQ(format.err, "qbi-runner: error: --format: expected html or md, got 'pdf'\n");

    const std::string missing = (dir_->path() / "none.db").string();
    auto nodb = test::run_cli({"--db", missing, "report", "report-job"},
                              env_from_map({{"HOME", dir_->path().string()}}));
    EXPECT_EQ(nodb.code, 66);
    EXPECT_EQ(nodb.err, "qbi-runner: error: database " + missing +
                            " does not exist; check --db or queue.database (submit creates it)\n");
    EXPECT_FALSE(fs::exists(missing));

    const fs::path folder = dir_->path() / "out";
    fs::create_directory(folder);
    const std::string nowhere = (folder / "missing" / "r.html").string();
    auto bad = cli({"report", "report-job", "-o", nowhere});
    EXPECT_EQ(bad.code, 74);
    EXPECT_EQ(bad.err, "qbi-runner: error: cannot write the report to " + nowhere +
                           ": No such file or directory\n");
    fs::create_directory(folder / "taken.html");  // rename over a folder fails: nothing left
    auto taken = cli({"report", "report-job", "-o", (folder / "taken.html").string()});
    EXPECT_EQ(taken.code, 74);
    EXPECT_EQ(taken.err, "qbi-runner: error: cannot write the report to " +
                             (folder / "taken.html").string() + ": Is a directory\n");
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(folder)) left.push_back(e.path().filename());
    EXPECT_EQ(left, std::vector<std::string>{"taken.html"});
}

// A tampered audit row: the report is still written, says where the chain breaks, and the
// command exits 65 with audit verify's message.
TEST(ReportProof, ABrokenChainIsReportedAndExits65) {
    test::TempDir dir;
    const std::string db = (dir / "q.db").string();
    Env env = env_from_map({{"HOME", dir.path().string()}});
    auto job = dir.write("a.yaml",
                         "version: 1\njob: job-a\ntasks:\n"
                         "  - cancel-collection: {user: \"100\", works: [w1, w2, w3]}\n");
    ASSERT_EQ(test::run_cli({"--db", db, "submit", job.string()}, env).code, 0);
    {
        auto store = queue::Store::open(db, SystemClock::instance());
        auto claimed = store->claim("o", 3, 60000);
        std::vector<queue::TaskResult> results;
        for (const auto& t : *claimed) {
            queue::TaskResult r;
            r.task_id = t.task_id;
            r.owner = "o";
            r.attempt.outcome = Outcome::Done;
            r.attempt.request_id = "REQ-" + std::to_string(t.task_id);
            results.push_back(r);
        }
        ASSERT_TRUE(store->record_results(results));
        auto& raw = store->raw_connection();
        raw.exec("DROP TRIGGER attempts_no_update");
        raw.exec("UPDATE attempts SET code = 'forged' WHERE id = 2");
    }
    const std::string out = (dir / "r.md").string();
    auto r = test::run_cli({"--db", db, "report", "job-a", "-o", out}, env);
    EXPECT_EQ(r.code, 65);
    auto verify = test::run_cli({"--db", db, "audit", "verify"}, env);
    EXPECT_EQ(r.err, "qbi-runner: report of job 1 (job-a) written to " + out + "\n" + verify.err);
    const std::string md = test::read_file(out);
    EXPECT_NE(md.find("| Hash chain | **broken** at attempt row 2: "), std::string::npos) << md;
    EXPECT_NE(md.find("Audit proof: **FAILED**"), std::string::npos);
    EXPECT_NE(md.find("| 1 | CancelCollection | \\{\"UserId\":\"100\",\"WorksId\":\"w1\"\\} | "
                      "succeeded | done | 1/6 | 1 | REQ-1 |"),
              std::string::npos)
        << md;
}

TEST(ReportEscaping, HtmlAndMarkdown) {
    EXPECT_EQ(app::html_text("<a href='x'>\"&\"</a>"),
              "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    EXPECT_EQ(app::html_text("line\nbreak\x1b[31m"), "line\\nbreak\\x1b[31m");
    EXPECT_EQ(
        app::markdown_text("# a|b `c` <d> [e](f) *g* _h_ &i; ~j~ $k$ !l"),
        "\\# a\\|b \\`c\\` \\<d\\> \\[e\\]\\(f\\) \\*g\\* \\_h\\_ \\&i; \\~j\\~ \\$k\\$ \\!l");
    EXPECT_EQ(app::markdown_text("a\nb\\"), "a\\\\nb\\\\");  // no line break, no dangling escape
    EXPECT_EQ(app::markdown_text("5CC8B25F-0F40-D790-7C5E-65241F781349 2026-12-03T10:00:00Z"),
              "5CC8B25F-0F40-D790-7C5E-65241F781349 2026-12-03T10:00:00Z");
}

// Attempts per minute while a job spans at most 120 minutes; wider bars beyond, every attempt
// still counted once.
TEST(ReportTimeline, BarsWidenWithTheSpan) {
    using Counts = std::array<std::int64_t, app::kOutcomeKinds>;
    auto minutes = [](std::vector<std::int64_t> ms) {
        std::vector<std::pair<std::int64_t, Counts>> v;
        for (auto m : ms) v.push_back({m, Counts{1, 0, 1, 0, 0, 0, 0}});
        return v;
    };
    auto total = [](const app::Timeline& t) {
        std::int64_t n = 0;
        for (const auto& b : t.buckets) n += b.total();
        return n;
    };
    EXPECT_TRUE(app::make_timeline({}).buckets.empty());
    auto one = app::make_timeline(minutes({29000000, 29000000}));
    EXPECT_EQ(one.width_ms, 60000);
    ASSERT_EQ(one.buckets.size(), 1u);
    EXPECT_EQ(one.buckets[0].start_ms, 29000000LL * 60000);
    EXPECT_EQ(one.buckets[0].attempts[0], 2);
    EXPECT_EQ(one.buckets[0].attempts[2], 2);
    auto hour = app::make_timeline(minutes({29000000, 29000119}));
    EXPECT_EQ(hour.width_ms, 60000);
    EXPECT_EQ(hour.buckets.size(), 120u);
    auto longer = app::make_timeline(minutes({29000000, 29000120}));
    EXPECT_EQ(longer.width_ms, 120000);
    EXPECT_EQ(longer.buckets.size(), 61u);
    EXPECT_EQ(total(longer), 4);
    auto year = app::make_timeline(minutes({29000000, 29000000 + 365 * 1440, 29000500}));
    EXPECT_EQ(year.width_ms % 86400000, 0);
    EXPECT_LE(year.buckets.size(), 120u);
    EXPECT_EQ(total(year), 6);
    EXPECT_EQ(app::timeline_unit(60000), "per minute");
}

}  // namespace
}  // namespace qbi
