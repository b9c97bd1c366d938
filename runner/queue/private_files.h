#pragma once
// The queue's files are private to the user running qbi-runner (issue 9 item 7): the database
// holds leavers' account ids and the audit log. Folders qbi-runner creates are 0700 and files
// 0600 whatever the process umask (the mode is set with chmod/fchmod after creating, so a
// umask of 022 or 077 gives the same result). What exists already is left as it is: an
// operator's own permissions win.
//
// Thread-safety: free functions over the file system; safe from any thread.
#include <filesystem>

#include "runner/core/result.h"

namespace qbi::queue {

// Error 74: "cannot <doing> <path>: <strerror(err)>".
Error io_error(const char* doing, const std::filesystem::path& p, int err);

// Creates `dir` and any missing parents, each new one 0700. Errors: 74 naming the folder.
Status make_private_dirs(const std::filesystem::path& dir);
// Creates an empty `path` 0600 if it does not exist (a symlink to an existing file counts as
// existing and is followed; a dangling one is refused with 74). Returns true when it created
// the file. Never opens an existing file (closing a descriptor of a database this process
// has open through SQLite would drop SQLite's POSIX locks on it).
Result<bool> create_private_file(const std::filesystem::path& path);

}  // namespace qbi::queue
