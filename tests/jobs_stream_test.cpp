// A job file validated as it is read (jobs::parse_job_fd_streamed): the same verdict, tasks and
// messages as the in-memory parse for every kind of file, pieces of 64 KB that cut UTF-8
// sequences, and a tree that holds one item of `tasks` at a time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "runner/core/files.h"
#include "runner/jobs/diagnostics.h"
#include "runner/jobs/job_file.h"
#include "runner/jobs/text_checks.h"
#include "runner/jobs/yaml_tree.h"
#include "tests/support/temp_dir.h"

namespace qbi::jobs {
namespace {

// A listed job of `items` cancel-collection items of 3 works each; each item carries a
// comment of multi-byte characters, so that 64 KB pieces cut UTF-8 sequences again and again.
std::string listed(int items, const std::string& header = "version: 1\njob: listed\n") {
    std::string y = header + "tasks:\n";
    for (int i = 0; i < items; ++i) {
        y += "  # élève – 東京 ✓ " + std::to_string(i) + "\n";
        y += "  - cancel-collection:\n      user: \"u" + std::to_string(i) + "\"\n      works:\n";
        for (int w = 0; w < 3; ++w)
            y += "        - w" + std::to_string(i) + "-" + std::to_string(w) + "\n";
    }
    return y;
}

// Offset of line `n` (1-based) of `y`.
std::size_t line_at(const std::string& y, int n) {
    std::size_t at = 0;
    for (int i = 1; i < n; ++i) at = y.find('\n', at) + 1;
    return at;
}

struct Streamed {
    JobFileResult result;
    std::vector<std::string> keys;  // distinct, first kept, in file order
};

class StreamTest : public ::testing::Test {
protected:
    Streamed streamed(const std::string& text, const JobLimits& limits = {}) {
        return streamed(dir_.write("job.yaml", text), limits);
    }
    Streamed streamed(const std::filesystem::path& path, const JobLimits& limits) {
        auto f = open_regular_file(AT_FDCWD, path.string(), Follow::Yes);
        EXPECT_TRUE(f);
        std::vector<std::string> keys;
        std::set<std::string> seen;
        auto r = parse_job_fd_streamed(f->fd.get(), "job.yaml", limits, [&](TaskSpec&& t) {
            if (seen.insert(t.key()).second) keys.push_back(t.key());
        });
        return {std::move(r), std::move(keys)};
    }
    // Asserts the streamed parse means exactly what parse_job_file means for `text`.
    void same(const std::string& text, const JobLimits& limits = {}) {
        auto path = dir_.write("job.yaml", text);
        JobFileResult whole = parse_job_file(path.string(), limits);
        Streamed s = streamed(path, limits);
        ASSERT_EQ(whole.ok(), s.result.ok());
        if (!whole.ok()) {
            std::vector<std::string> a, b;
            for (const auto& e : whole.errors()) a.push_back(e.to_string().substr(e.file.size()));
            for (const auto& e : s.result.errors())
                b.push_back(e.to_string().substr(e.file.size()));
            EXPECT_EQ(a, b);
            return;
        }
        EXPECT_EQ(whole.job().name, s.result.job().name);
        EXPECT_EQ(whole.job().description, s.result.job().description);
        std::vector<std::string> keys;
        for (const auto& t : whole.job().tasks) keys.push_back(t.key());
        EXPECT_EQ(keys, s.keys);
    }
    test::TempDir dir_;
};

TEST_F(StreamTest, ValidFilesMeanTheSame) {
    const std::string y = listed(3000);
    ASSERT_GT(y.size(), 4u * 65536);
    same(y);
    same("\xEF\xBB\xBF" + y);  // a byte order mark
    same(listed(5, "version: 1\njob: described\ndescription: \"Zoë — 離職\"\n"));
    // `tasks` before `version`: validated whole, the same way.
    same(
        "job: late-version\ntasks:\n  - cancel-collection: {user: u, works: [a, b]}\n"
        "version: 1\n");
    // Anchors shared between items are kept for the aliases that follow.
    same(
        "version: 1\njob: anchors\ntasks:\n"
        "  - cancel-collection: {user: u1, works: &w [a, b]}\n"
        "  - cancel-collection: {user: u2, works: *w}\n");
    // Duplicates collapse, the first kept.
    same(listed(2) + "  - cancel-collection: {user: \"u0\", works: [w0-0, extra]}\n");
}

TEST_F(StreamTest, BadBytesFarIntoTheFileAreReportedAsTheWholeParseDoes) {
    const std::string y = listed(3000);
    const std::size_t late = line_at(y, 15000);
    ASSERT_GT(late, 3u * 65536);
    std::string bad_utf8 = y;
    bad_utf8.insert(late + 8, "\xFF");
    same(bad_utf8);
    std::string control = y;
    control.insert(late + 4, "\x07");
    same(control);
    std::string tab = y;
    tab.insert(late, "\t");
    same(tab);
    // A sequence cut by the end of the file.
    same(y + "  # \xE6\x9D");
}

TEST_F(StreamTest, ItemErrorsSyntaxErrorsAndLimitsAreReportedAsTheWholeParseDoes) {
    std::string y = listed(2000);
    // Item i starts at line 4 + 7i (its comment).
    std::size_t at = line_at(y, 4 + 7 * 850);
    y.insert(at, "  - cancel-colection: {user: x, works: [a]}\n");
    std::size_t at2 = line_at(y, 4 + 7 * 1300);
    y.insert(at2, "  - cancel-collection: {user: \"a b\", works: [a]}\n");
    same(y);
    same(listed(2000) + "  - cancel-collection: {user: u, works: [a\n");  // YAML error at the end
    // A YAML error inside an item: only the syntax error, as the whole parse says.
    std::string cut = listed(2000);
    cut.insert(line_at(cut, 6000), "  - x: [\n");
    same(cut);
    same(listed(2000) + "---\nversion: 1\n");  // a second document
    JobLimits small;
    small.max_tasks = 5000;
    same(listed(2000), small);  // 6000 tasks
    small.max_errors = 3;
    std::string many = listed(50);
    for (int i = 0; i < 10; ++i) many += "  - nothing: {}\n";
    same(many, small);
    JobLimits tiny;
    tiny.max_file_bytes = 100000;
    same(listed(3000), tiny);
    same("", {});
    same("just a line of text\n", {});
}

// The tree holds the job's header and one item at a time: consumed items leave one node each.
TEST(StreamTree, ConsumedItemsAreDroppedAndAnchoredOnesKept) {
    std::string y = "version: 1\ntasks:\n";
    for (int i = 0; i < 1000; ++i)
        y += "  - {user: u" + std::to_string(i) + ", works: [a, b, c]}\n";
    y += "  - {user: &keep k, works: [x]}\n  - [*keep]\n";
    std::istringstream in(y);
    std::vector<std::size_t> ordinals;
    std::size_t largest = 0;
    detail::ItemHook hook{"tasks", [&](const detail::YamlTree& t, int, std::size_t ordinal) {
                              ordinals.push_back(ordinal);
                              largest = std::max(largest, t.node_count() - ordinal);
                              return true;
                          }};
    auto parsed = detail::parse_yaml(in, &hook);
    ASSERT_TRUE(std::holds_alternative<detail::YamlTree>(parsed));
    const auto& tree = std::get<detail::YamlTree>(parsed);
    ASSERT_EQ(ordinals.size(), 1002u);
    EXPECT_EQ(ordinals.back(), 1001u);
    EXPECT_LT(largest, 20u);  // never more than the header and one item
    // 4 header nodes + 1002 item nodes + the anchored item's 6 descendants.
    EXPECT_EQ(tree.node_count(), 4u + 1002u + 6u);
    int list = tree.next_sibling(tree.next_sibling(tree.next_sibling(tree.first_child(0))));
    int last = tree.first_child(list);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(tree.node(last).consumed);
        last = tree.next_sibling(last);
    }
    EXPECT_FALSE(tree.node(last).consumed);  // holds the anchor
    EXPECT_EQ(tree.node(last).count, 4u);
}

// The streamed screen agrees with check_text wherever the pieces are cut.
TEST(TextScreen, AgreesWithCheckTextAtEveryCut) {
    const std::vector<std::string> texts = {
        "a: é東✓😀\n", "a: \xFF\n", "a: \xE6\x9D\n", "  \tb: 1\n",  "a: \x07\n",
        "a: b\tc\n",  "\xC0\x80",  "x\r\ny\n",      "a: \xE6\x9D",
    };
    for (const std::string& t : texts) {
        detail::SourceMap map{std::string_view(t)};
        detail::Diagnostics diag("t", map, 10);
        const bool expected = detail::check_text(t, diag);
        for (std::size_t cut = 0; cut <= t.size(); ++cut) {
            detail::TextScreen screen;
            bool ok = screen.feed(std::string_view(t).substr(0, cut));
            ok = screen.feed(std::string_view(t).substr(cut)) && ok;
            EXPECT_EQ(ok && screen.finish(), expected) << "text " << t << " cut at " << cut;
        }
    }
}

}  // namespace
}  // namespace qbi::jobs
