#pragma once
// A fresh directory under $TMPDIR for one test, removed (recursively) when it goes out of
// scope. Not thread-safe; one per test.
#include <filesystem>
#include <string>

namespace qbi::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    // Writes `content` to path()/name (creating parent folders) and returns the full path.
    std::filesystem::path write(
        const std::string& name, const std::string& content,
        std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                       std::filesystem::perms::owner_write) const;

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p);

}  // namespace qbi::test
