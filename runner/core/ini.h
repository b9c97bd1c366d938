#pragma once
// The one INI reader, for the configuration file and the credential files.
//
// Rules: lines are trimmed; blank lines and lines starting with '#' or ';' are comments;
// "[name]" opens a section (name trimmed, not empty); "key = value" sets a key of the current
// section ("" before the first header), key and value trimmed, a value wrapped in matching
// double or single quotes unwrapped. Keys are kept as written; callers decide about case.
// A key given twice in one section is an error (a typo'd second value never silently wins).
//
// Errors (kExitConfig) read "<label>:<line>: <what>". With `quote_text` false the line's text
// is never repeated (a credentials file's malformed line may be a secret).
// Thread-safety: pure functions.
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/result.h"

namespace qbi {

struct IniEntry {
    std::string section;  // "" before the first header
    std::string key;
    std::string value;
    int line = 0;
};

struct IniDocument {
    std::vector<std::string> sections;  // in file order, each once
    std::vector<IniEntry> entries;      // in file order
};

struct IniOptions {
    bool quote_text = true;  // name keys in messages (false for files that may hold secrets)
    // Compare keys case-insensitively when looking for duplicates.
    bool case_insensitive_keys = false;
};

Result<IniDocument> parse_ini(std::string_view text, const std::string& label,
                              const IniOptions& options = {});

}  // namespace qbi
