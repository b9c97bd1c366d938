#pragma once
// The error codes the runner knows by name, for labels that must stay bounded (metrics): the
// codes of quickbi-api.md §2 and §3 (Quick BI's documented codes and the gateway's), the
// transport and protocol codes of outcome.h, and the runner's own codes (Runner.Interrupted,
// Discovery.BadContext, Discovery.TooManyTasks). A code outside this list (an undocumented code,
// HTTP.<n>) is not a label value of its own: callers fold it into "other". Thread-safety:
// constants.
#include <span>
#include <string_view>

namespace qbi {

// Every known code, sorted by byte order, without duplicates.
std::span<const std::string_view> known_codes();
bool is_known_code(std::string_view code);

}  // namespace qbi
