// Core utilities: percent-encoding, time formats, digests, clocks, nonces, strings.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <set>

#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/exit_codes.h"
#include "runner/core/files.h"
#include "runner/core/hash.h"
#include "runner/core/heap.h"
#include "runner/core/ini.h"
#include "runner/core/json.h"
#include "runner/core/log.h"
#include "runner/core/manpage.h"
#include "runner/core/percent.h"
#include "runner/core/random.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

// Expected strings derived by hand from quickbi-api.md §4: unreserved bytes stay, every other
// UTF-8 byte is %XX with upper-case hex.
TEST(PercentEncode, UnreservedStayLiteral) {
    EXPECT_EQ(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
}

TEST(PercentEncode, EachReservedCharacterClass) {
    EXPECT_EQ(percent_encode(" "), "%20");
    EXPECT_EQ(percent_encode("*"), "%2A");
    EXPECT_EQ(percent_encode("+"), "%2B");
    EXPECT_EQ(percent_encode("/"), "%2F");
    EXPECT_EQ(percent_encode("="), "%3D");
    EXPECT_EQ(percent_encode("&"), "%26");
    EXPECT_EQ(percent_encode("'"), "%27");
    EXPECT_EQ(percent_encode("("), "%28");
    EXPECT_EQ(percent_encode(")"), "%29");
    EXPECT_EQ(percent_encode("!"), "%21");
    EXPECT_EQ(percent_encode(":"), "%3A");
    EXPECT_EQ(percent_encode("%"), "%25");
}

TEST(PercentEncode, NonAsciiIsEncodedAsUtf8BytesUpperHex) {
    // U+00E9 (é) is C3 A9; U+4E2D (中) is E4 B8 AD.
    EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
    EXPECT_EQ(percent_encode("\xE4\xB8\xAD"), "%E4%B8%AD");
}

TEST(PercentDecode, RoundTripAndErrors) {
    EXPECT_EQ(percent_decode("a%20b%2a%2F"), "a b*/");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("%2"), std::nullopt);
    EXPECT_EQ(percent_decode("%G0"), std::nullopt);
    EXPECT_EQ(percent_decode("abc%"), std::nullopt);
}

TEST(TimeFormat, AcsTimestamp) {
    // 2024-01-15T08:30:00Z, the Quick BI vector's timestamp.
    EXPECT_EQ(format_acs_timestamp(1705307400000), "2024-01-15T08:30:00Z");
    EXPECT_EQ(format_rfc3339_ms(1705307400123), "2024-01-15T08:30:00.123Z");
}

TEST(TimeFormat, ParseRfc3339WithOffsets) {
    EXPECT_EQ(parse_rfc3339("2024-01-15T08:30:00Z"), 1705307400000);
    EXPECT_EQ(parse_rfc3339("2024-01-15T16:30:00+08:00"), 1705307400000);
    EXPECT_EQ(parse_rfc3339("2024-01-15T03:30:00.5-05:00"), 1705307400500);
    EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(TimeFormat, ParseRfc3339RejectsMalformed) {
    EXPECT_FALSE(parse_rfc3339("2024-01-15T08:30:00"));  // no offset
    EXPECT_FALSE(parse_rfc3339("2024-01-15"));
    EXPECT_FALSE(parse_rfc3339("2023-02-29T00:00:00Z"));  // not a leap year
    EXPECT_FALSE(parse_rfc3339("2024-13-01T00:00:00Z"));
    EXPECT_FALSE(parse_rfc3339("2024-01-15T08:30:00+0800"));
    EXPECT_FALSE(parse_rfc3339("2024-01-15T08:30:00Zjunk"));
    EXPECT_FALSE(parse_rfc3339(""));
}

TEST(TimeFormat, Durations) {
    EXPECT_EQ(parse_duration_ms("90s"), 90000);
    EXPECT_EQ(parse_duration_ms("15m"), 900000);
    EXPECT_EQ(parse_duration_ms("1h30m"), 5400000);
    EXPECT_EQ(parse_duration_ms("500ms"), 500);
    EXPECT_EQ(parse_duration_ms("20"), 20000);
    EXPECT_FALSE(parse_duration_ms("abc"));
    EXPECT_FALSE(parse_duration_ms("5x"));
    EXPECT_FALSE(parse_duration_ms(""));
}

TEST(Hash, KnownDigests) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231 test case 2 and RFC 2202 test case 2.
    EXPECT_EQ(hex_lower(hmac_sha256_raw("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(hex_lower(hmac_sha1_raw("Jefe", "what do ya want for nothing?")),
              "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    // RFC 4231 test case 6 and RFC 2202 test case 6: a key longer than the block is hashed
    // first.
    const std::string long_key(131, '\xaa');
    EXPECT_EQ(hex_lower(hmac_sha256_raw(long_key,
                                        "Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    EXPECT_EQ(hex_lower(hmac_sha1_raw(std::string(80, '\xaa'),
                                      "Test Using Larger Than Block-Size Key - Hash Key First")),
              "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

// The HMAC above is written over a fetched digest: it must agree with OpenSSL's own one-shot
// HMAC() for every key length around the block size (empty, shorter, exactly one block of 64,
// longer) and for empty and multi-block data.
TEST(Hash, HmacAgreesWithOpenSslAroundTheBlockSize) {
    auto reference = [](const EVP_MD* md, const std::string& key, const std::string& data) {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        HMAC(md, key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
        return std::string(reinterpret_cast<const char*>(out), len);
    };
    for (std::size_t key_len : {0u, 1u, 20u, 63u, 64u, 65u, 128u, 200u})
        for (std::size_t data_len : {0u, 3u, 64u, 1000u}) {
            std::string key(key_len, '\0'), data(data_len, '\0');
            for (std::size_t i = 0; i < key_len; ++i) key[i] = static_cast<char>(i * 7 + 1);
            for (std::size_t i = 0; i < data_len; ++i) data[i] = static_cast<char>(i * 13 + 5);
            EXPECT_EQ(hmac_sha256_raw(key, data), reference(EVP_sha256(), key, data))
                << key_len << " " << data_len;
            EXPECT_EQ(hmac_sha1_raw(key, data), reference(EVP_sha1(), key, data))
                << key_len << " " << data_len;
        }
}

TEST(Hash, Base64RoundTrip) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
    EXPECT_EQ(base64_decode("Zm9"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm=v"), std::nullopt);
    EXPECT_EQ(base64_decode("Z!9v"), std::nullopt);
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
    ManualClock clock(1000, 0);
    EXPECT_EQ(clock.wall_ms(), 1000);
    clock.sleep_ms(250);
    EXPECT_EQ(clock.wall_ms(), 1250);
    EXPECT_EQ(clock.monotonic_ns(), 250000000);
}

TEST(Nonce, RandomNoncesAreUniqueHex) {
    RandomNonceSource source;
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string n = source.next();
        ASSERT_EQ(n.size(), 32u);
        ASSERT_EQ(n.find_first_not_of("0123456789abcdef"), std::string::npos);
        seen.insert(n);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Nonce, SequenceIsDeterministic) {
    SequenceNonceSource a("n-"), b("n-");
    EXPECT_EQ(a.next(), "n-000000000001");
    EXPECT_EQ(a.next(), "n-000000000002");
    EXPECT_EQ(b.next(), "n-000000000001");
}

TEST(Random, SeededIsReproducible) {
    SeededRandom a(42), b(42);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(a.between(0, 1000), b.between(0, 1000));
}

TEST(Strings, NearestAndUtf8) {
    EXPECT_EQ(nearest("taks", {"tasks", "job", "version"}), "tasks");
    EXPECT_EQ(nearest("zzzzzz", {"tasks", "job"}), "");
    EXPECT_TRUE(valid_utf8("plain \xC3\xA9 \xE4\xB8\xAD"));
    EXPECT_FALSE(valid_utf8("\xC3"));
    EXPECT_FALSE(valid_utf8("\xFF"));
    EXPECT_FALSE(valid_utf8("\xC0\xAF"));      // overlong '/'
    EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));  // surrogate
    EXPECT_EQ(json_escape("a\"b\\\n\x01"), "a\\\"b\\\\\\n\\u0001");
    EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
    EXPECT_EQ(trim("  x y \n"), "x y");
}

// The one INI reader: comments, sections, quotes, and a repeated key refused with both lines.
TEST(Ini, SectionsKeysQuotesAndDuplicates) {
    auto doc = parse_ini("# c\n; c\n top = 1\n[api]\nendpoint = \"https://x\"\nregion='r'\n[run]\n",
                         "t.ini");
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(doc->sections, (std::vector<std::string>{"api", "run"}));
    ASSERT_EQ(doc->entries.size(), 3u);
    EXPECT_EQ(doc->entries[0].section, "");
    EXPECT_EQ(doc->entries[0].key, "top");
    EXPECT_EQ(doc->entries[1].value, "https://x");
    EXPECT_EQ(doc->entries[2].value, "r");
    EXPECT_EQ(doc->entries[2].line, 6);

    auto dup = parse_ini("[rate]\nCancelCollection = 5\nCancelCollection = 7\n", "t.ini");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, 78);
    EXPECT_EQ(dup.error().message,
              "t.ini:3: duplicate key 'CancelCollection' in [rate] (first at line 2)");
    IniOptions quiet;
    quiet.quote_text = false;
    quiet.case_insensitive_keys = true;
    auto secret = parse_ini("k = 1\nK = 2\n", "f", quiet);
    ASSERT_FALSE(secret);
    EXPECT_EQ(secret.error().message, "f:2: duplicate key (first at line 1)");
    EXPECT_EQ(parse_ini("[a\n", "f").error().message, "f:1: expected a [section] header");
    EXPECT_EQ(parse_ini("novalue\n", "f").error().message,
              "f:1: expected a [section] header or a key = value line");
}

// The one JSON writer: insertion order, escapes, numbers, raw text.
TEST(Json, OrderedCompactOutput) {
    json::Value v = json::Value::object()
                        .set("schema", 1)
                        .set("name", "a\"b\n\x01")
                        .set("ok", true)
                        .set("none", json::Value())
                        .set("rate", 12.25)
                        .set("whole", 3.0)
                        .set("list", json::Value::array().push(1).push("x"))
                        .set("params", json::Value::raw("{\"K\":\"v\"}"));
    EXPECT_EQ(v.to_json(),
              "{\"schema\":1,\"name\":\"a\\\"b\\n\\u0001\",\"ok\":true,\"none\":null,"
              "\"rate\":12.25,\"whole\":3,\"list\":[1,\"x\"],\"params\":{\"K\":\"v\"}}");
    EXPECT_EQ(json::number_text(0.5), "0.5");
    EXPECT_EQ(json::number_text(1.0 / 0.0), "null");
    ASSERT_NE(v.find("rate"), nullptr);
    EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(Env, FromMapTreatsEmptyAsUnset) {
    Env env = env_from_map({{"A", "1"}, {"B", ""}});
    EXPECT_EQ(env("A"), "1");
    EXPECT_EQ(env("B"), std::nullopt);
    EXPECT_EQ(env("C"), std::nullopt);
}

// Control characters, C1 controls, bidirectional overrides and bytes that are not UTF-8 become
// visible escapes; other text (backslashes, accents, CJK) is kept; escaping twice changes nothing.
TEST(Strings, AsciiCase) {
    EXPECT_EQ(to_lower("X-Acs-Signature-Nonce: AbC-19"), "x-acs-signature-nonce: abc-19");
    EXPECT_EQ(to_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // bytes beyond ASCII stay
    EXPECT_TRUE(iequals_ascii("Content-Type", "content-type"));
    EXPECT_TRUE(iequals_ascii("", ""));
    EXPECT_FALSE(iequals_ascii("Content-Type", "content-typ"));
    EXPECT_FALSE(iequals_ascii("x-acs-date", "x-acs-data"));
    EXPECT_FALSE(iequals_ascii("[", "{"));  // '[' + 32 is '{': only letters fold
    EXPECT_FALSE(iequals_ascii("\xC3\x89", "\xC3\xA9"));
}

TEST(Strings, Printable) {
    EXPECT_EQ(printable("plain café 任务 C:\\dir"), "plain café 任务 C:\\dir");
    EXPECT_EQ(printable("a\nb\rc\td"), "a\\nb\\rc\\td");
    EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
    EXPECT_EQ(printable(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
    EXPECT_EQ(printable("csi \xC2\x9B"
                        "2J"),
              "csi \\u009b2J");
    EXPECT_EQ(printable("rtl \xE2\x80\xAEtxt.exe"), "rtl \\u202etxt.exe");
    EXPECT_EQ(printable("latin1 cr\xE8me \xFF"), "latin1 cr\\xe8me \\xff");
    EXPECT_EQ(printable(printable("x\ny\x1b")), "x\\ny\\x1b");
}

// JOURNAL_STREAM names the device and inode of the stream systemd connected to the journal.
TEST(Log, JournalStreamMatchesTheDescriptor) {
    test::TempDir dir;
    int fd = ::open((dir / "err").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0);
    const std::string id = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    EXPECT_TRUE(log::stream_is_journal(id, fd));
    EXPECT_FALSE(log::stream_is_journal(
        std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1), fd));
    EXPECT_FALSE(log::stream_is_journal("", fd));
    EXPECT_FALSE(log::stream_is_journal(id + "x", fd));
    EXPECT_FALSE(log::stream_is_journal("12", fd));
    ::close(fd);
}

// With priorities on, every stderr line starts with <N>; messages are escaped either way.
TEST(Log, PriorityPrefixesAndEscaping) {
    test::TempDir dir;
    int fd = ::open((dir / "err").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    std::fflush(stderr);
    int saved = ::dup(STDERR_FILENO);
    ASSERT_EQ(::dup2(fd, STDERR_FILENO), STDERR_FILENO);
    log::Level before = log::level();
    log::set_level(log::Level::Debug);
    log::set_journal_priorities(true);
    log::error("disk full");
    log::warn("slow");
    log::info("name a\nb");
    log::debug("detail");
    log::set_journal_priorities(false);
    log::info("plain");
    log::set_level(before);
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(fd);
    EXPECT_EQ(test::read_file(dir / "err"),
              "<3>qbi-runner: error: disk full\n"
              "<4>qbi-runner: warning: slow\n"
              "<6>qbi-runner: info: name a\\nb\n"
              "<7>qbi-runner: debug: detail\n"
              "qbi-runner: info: plain\n");
    EXPECT_EQ(log::priority_prefix(log::Level::Error), "");
}

// A FIFO is refused at once (O_NONBLOCK), a symlink with Follow::No, each named.
TEST(Files, OpenRegularFileRefusesOtherKinds) {
    test::TempDir dir;
    auto file = dir.write("f", "text");
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    std::filesystem::create_symlink(file, dir / "link");
    auto r = open_regular_file(AT_FDCWD, (dir / "fifo").string(), Follow::Yes);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "a FIFO, not a regular file");
    r = open_regular_file(AT_FDCWD, (dir / "link").string(), Follow::No);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "a symbolic link, not a regular file");
    r = open_regular_file(AT_FDCWD, (dir / "link").string(), Follow::Yes);
    ASSERT_TRUE(r);
    bool over = true;
    auto text = read_to_end(r->fd.get(), 100, over);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "text");
    EXPECT_FALSE(over);
    r = open_regular_file(AT_FDCWD, (dir / "none").string(), Follow::No);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "No such file or directory");
    EXPECT_EQ(r.error().code, kExitIoErr);
}

// Man pages: text that would be a roff request (a leading dot or quote) or an escape (a
// backslash) is printed as text; `code` is bold with minus signs, *arg* italic.
TEST(ManPage, EscapesWhatRoffWouldInterpret) {
    man::ManPage page("x-tool", 1, "1.2.3", "the manual");
    page.name("x-tool", "does \\things");
    page.paragraph(".TH evil\n'quote\nback\\slash `--opt` *FILE* a*b\n\nsecond");
    page.tagged("--config", "FILE", "the file");
    page.literal(".sh run\n  qbi-runner --json 'x'");
    EXPECT_EQ(page.str(),
              ".TH X-TOOL 1 \"\" \"qbi-runner 1.2.3\" \"the manual\"\n"
              ".SH NAME\nx-tool \\- does \\ethings\n"
              ".PP\n\\&.TH evil\n\\&'quote\nback\\eslash \\fB\\-\\-opt\\fR \\fIFILE\\fR a*b\n"
              ".PP\nsecond\n"
              ".TP\n\\fB\\-\\-config\\fR \\fIFILE\\fR\nthe file\n"
              ".PP\n.RS 4\n.nf\n\\&.sh run\n  qbi\\-runner \\-\\-json \\(aqx\\(aq\n.fi\n.RE\n");
}

// replace_file: the content lands whole under the name with the mode asked for, whatever the
// umask; a failure of the filler or of the rename leaves the old file as it was and no
// temporary file behind, with the filler's own error or strerror of the step.
TEST(Files, ReplaceFileIsAtomicAndCleansUp) {
    test::TempDir dir;
    const std::string path = (dir / "out.txt").string();
    const mode_t old_mask = ::umask(0077);
    auto write = [](std::string text) {
        return [text](int fd) -> Status {
            if (const int e = write_all(fd, text); e != 0) return Error{kExitIoErr, "write"};
            return {};
        };
    };
    ASSERT_TRUE(replace_file(path, 0644, write("first\n")).ok());
    ::umask(old_mask);
    EXPECT_EQ(test::read_file(path), "first\n");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);

    auto refused = replace_file(path, 0600, [](int fd) -> Status {
        EXPECT_EQ(write_all(fd, "half"), 0);
        return Error{kExitDataErr, "the filler gave up"};
    });
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, kExitDataErr);
    EXPECT_EQ(refused.error().message, "the filler gave up");
    EXPECT_EQ(test::read_file(path), "first\n");

    std::filesystem::create_directory(dir / "taken");  // rename over a folder fails
    auto taken = replace_file((dir / "taken").string(), 0600, write("x"));
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(taken.error().code, kExitIoErr);
    EXPECT_EQ(taken.error().message, "Is a directory");

    auto nowhere = replace_file((dir / "missing" / "f").string(), 0600, write("x"));
    ASSERT_FALSE(nowhere.ok());
    EXPECT_EQ(nowhere.error().message, "No such file or directory");

    std::set<std::string> left;
    for (const auto& e : std::filesystem::directory_iterator(dir.path()))
        left.insert(e.path().filename().string());
    EXPECT_EQ(left, (std::set<std::string>{"out.txt", "taken"}));
}

}  // namespace
}  // namespace qbi

namespace qbi {
namespace {

// Runs `body` in a child process (the allocator's settings stay there) and returns its exit
// code, -1 if it did not exit. By convention 2 means: keep_heap_top() was refused.
int in_child(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// 8 MiB taken in blocks of 2000 bytes (from the top of the main heap; too large for glibc's
// per-thread cache, which would keep them apart from the top), then freed: 0 if the heap's end
// came back down (the memory was handed back), 1 if it stayed.
int heap_shrinks_in_child(bool keep) {
    return in_child([keep] {
        if (keep && !keep_heap_top()) return 2;
        // glibc's default, whatever an earlier test in this process left behind.
        if (!keep && ::mallopt(M_TRIM_THRESHOLD, 128 * 1024) != 1) return 2;
        std::vector<void*> blocks;
        blocks.reserve(4096);  // below the blocks, not above them
        for (int i = 0; i < 4096; ++i) blocks.push_back(std::malloc(2000));
        void* end = ::sbrk(0);
        for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) std::free(*it);
        return ::sbrk(0) < end ? 0 : 1;
    });
}

TEST(Heap, TheFreedTopOfTheHeapIsKept) {
    const int kept = heap_shrinks_in_child(true);
    if (kept == 2) GTEST_SKIP() << "this allocator has no trim threshold (a sanitizer's)";
    EXPECT_EQ(kept, 1) << "kept after keep_heap_top()";
    EXPECT_EQ(heap_shrinks_in_child(false), 0) << "by default glibc gives the freed top back";
}

// Setting the trim threshold ends glibc's adaptive mmap threshold: keep_heap_top() sets that
// one too, so a block of 1 MiB still comes from the heap (glibc counts the blocks it maps on
// their own in mallinfo2().hblks).
TEST(Heap, MidSizedBlocksStayOnTheHeap) {
    const int code = in_child([] {
        if (!keep_heap_top()) return 2;
        const auto mapped = ::mallinfo2().hblks;
        void* block = std::malloc(1 << 20);
        static_cast<volatile char*>(block)[0] = 1;  // used: the compiler may not elide it
        const bool on_heap = ::mallinfo2().hblks == mapped;
        std::free(block);
        return on_heap ? 0 : 1;
    });
    if (code == 2) GTEST_SKIP() << "this allocator has no trim threshold";
    EXPECT_EQ(code, 0) << "a 1 MiB block was mapped on its own";
}

}  // namespace
}  // namespace qbi
