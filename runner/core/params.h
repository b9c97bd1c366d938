#pragma once
// The parameters of one API call: names to string values, sorted by name in byte order (the
// order both signature schemes sort in, and the order of the canonical JSON the queue stores).
// One definition for every module: jobs expand into them, the queue stores them, the api signs
// them, the simulator reads them. Thread-safety: a plain value.
#include <map>
#include <string>

namespace qbi {

using Params = std::map<std::string, std::string>;

}  // namespace qbi
