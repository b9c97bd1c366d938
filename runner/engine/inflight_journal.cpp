#include "runner/engine/inflight_journal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace qbi::engine {

namespace {

constexpr char kMagic[8] = {'Q', 'B', 'I', 'J', 'R', 'N', 'L', '1'};
constexpr std::size_t kBootIdBytes = 48, kOwnerBytes = 192;

// The file's layout: this header, then `slots` int64 task ids.
struct Header {
    char magic[8];
    std::uint32_t slots;
    std::uint32_t reserved;
    char boot_id[kBootIdBytes];
    char owner[kOwnerBytes];
};
static_assert(sizeof(Header) == 256);

std::string boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id.substr(0, kBootIdBytes - 1);
}

std::string field(const char* p, std::size_t n) {
    return std::string(p, strnlen(p, n));
}

}  // namespace

InFlightJournal::~InFlightJournal() {
    close();
}

void InFlightJournal::close() {
    if (map_) munmap(map_, map_size_);
    map_ = nullptr;
    map_size_ = 0;
    ids_ = nullptr;
    memory_.clear();
    slots_ = 0;
}

std::filesystem::path InFlightJournal::path_for(const std::filesystem::path& database) {
    if (database.empty() || database == ":memory:") return {};
    std::error_code ec;
    std::filesystem::path real = std::filesystem::weakly_canonical(database, ec);
    if (ec) real = std::filesystem::absolute(database, ec);
    real += "-inflight";
    return real;
}

std::optional<queue::SentCalls> InFlightJournal::read(const std::filesystem::path& path) {
    if (path.empty()) return std::nullopt;
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::vector<char> bytes;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 256 &&
        st.st_size <= 256 + 8 * 65536) {
        bytes.resize(static_cast<std::size_t>(st.st_size));
        if (pread(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
            bytes.clear();
    }
    ::close(fd);
    if (bytes.empty()) return std::nullopt;
    Header h{};
    std::memcpy(&h, bytes.data(), sizeof h);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 ||
        bytes.size() != sizeof h + 8 * static_cast<std::size_t>(h.slots) ||
        field(h.boot_id, kBootIdBytes) != boot_id())
        return std::nullopt;
    queue::SentCalls sent;
    sent.owner = field(h.owner, kOwnerBytes);
    if (sent.owner.empty()) return std::nullopt;
    for (std::uint32_t i = 0; i < h.slots; ++i) {
        std::int64_t id = 0;
        std::memcpy(&id, bytes.data() + sizeof h + 8 * i, sizeof id);
        if (id > 0) sent.task_ids.push_back(id);
    }
    return sent;
}

Status InFlightJournal::open(const std::filesystem::path& path, const std::string& owner,
                             int slots) {
    close();
    slots_ = std::max(1, slots);
    memory_.assign(static_cast<std::size_t>(slots_), 0);
    ids_ = memory_.data();
    if (path.empty()) return {};
    const auto failed = [&](const char* what) {
        return Error{kExitIoErr,
                     "in-flight journal " + path.string() + ": " + what + ": " + strerror(errno)};
    };
    // A fresh file each time (a stale one of the same name is replaced, never written through).
    std::filesystem::path tmp = path;
    tmp += ".new";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return failed("cannot create");
    Header h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.slots = static_cast<std::uint32_t>(slots_);
    const std::string boot = boot_id();
    std::memcpy(h.boot_id, boot.data(), std::min(boot.size(), kBootIdBytes - 1));
    std::memcpy(h.owner, owner.data(), std::min(owner.size(), kOwnerBytes - 1));
    const std::size_t size = sizeof h + 8 * static_cast<std::size_t>(slots_);
    void* map = MAP_FAILED;
    if (fchmod(fd, 0600) == 0 && ftruncate(fd, static_cast<off_t>(size)) == 0 &&
        pwrite(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h))
        map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        Error e = failed("cannot write");
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        Error e = failed("cannot replace");
        munmap(map, size);
        ::unlink(tmp.c_str());
        return e;
    }
    map_ = map;
    map_size_ = size;
    ids_ = reinterpret_cast<std::int64_t*>(static_cast<char*>(map) + sizeof h);
    memory_.clear();
    return {};
}

void InFlightJournal::set(int slot, std::int64_t task_id) {
    if (slot >= 0 && slot < slots_) ids_[slot] = task_id;
}

}  // namespace qbi::engine
