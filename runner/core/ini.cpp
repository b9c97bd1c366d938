#include "runner/core/ini.h"

#include <map>
#include <utility>

#include "runner/core/strings.h"

namespace qbi {

namespace {

std::string unquote(std::string v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        return v.substr(1, v.size() - 2);
    return v;
}

}  // namespace

Result<IniDocument> parse_ini(std::string_view text, const std::string& label,
                              const IniOptions& options) {
    IniDocument doc;
    std::string section;
    // (section, key) -> first line, for duplicates.
    std::map<std::pair<std::string, std::string>, int> seen;
    int line_no = 0;
    for (const std::string& raw : split(text, '\n')) {
        ++line_no;
        const std::string where = label + ":" + std::to_string(line_no) + ": ";
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line[0] == '[') {
            if (line.back() != ']' || trim(line.substr(1, line.size() - 2)).empty())
                return Error{kExitConfig, where + "expected a [section] header"};
            section = trim(line.substr(1, line.size() - 2));
            bool known = false;
            for (const auto& s : doc.sections) known = known || s == section;
            if (!known) doc.sections.push_back(section);
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || trim(line.substr(0, eq)).empty())
            return Error{kExitConfig, where + "expected a [section] header or a key = value line"};
        IniEntry e{section, trim(line.substr(0, eq)), unquote(trim(line.substr(eq + 1))), line_no};
        auto id = std::make_pair(section, options.case_insensitive_keys ? to_lower(e.key) : e.key);
        if (auto it = seen.find(id); it != seen.end())
            return Error{
                kExitConfig,
                where + (options.quote_text ? "duplicate key '" + e.key + "'" : "duplicate key") +
                    (section.empty() ? "" : " in [" + section + "]") + " (first at line " +
                    std::to_string(it->second) + ")"};
        seen.emplace(std::move(id), line_no);
        doc.entries.push_back(std::move(e));
    }
    return doc;
}

}  // namespace qbi
