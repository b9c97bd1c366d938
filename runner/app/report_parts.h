#pragma once
// Pieces the two renderers of the evidence report share (report.h); implemented in report.cpp.
// Pure; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include "runner/app/report.h"

namespace qbi::app {

// "done", "already absent", "retryable error", "permanent error", "halt: credentials",
// "halt: permission", "interrupted".
std::string_view outcome_label(Outcome o);
// The chart colour of an outcome ("#2e7d32").
std::string_view outcome_colour(Outcome o);
// "per minute", "per 5 minutes", "per hour", "per 2 hours", "per day", "per 3 days".
std::string timeline_unit(std::int64_t width_ms);
// A bar's start as its axis label: "2026-12-03" for bars of a day or more, "10:05" when the
// timeline lies within one UTC day, else "12-03 10:05".
std::string timeline_label(const Timeline& t, std::int64_t start_ms);
// What the queue can say of who submitted a job (it records no submitter).
std::string submitter_text(const ReportOrigin& o);

}  // namespace qbi::app
