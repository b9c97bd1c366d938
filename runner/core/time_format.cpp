#include "runner/core/time_format.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace qbi {

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

std::tm utc(std::int64_t epoch_ms) {
    std::int64_t secs = epoch_ms / 1000;
    if (epoch_ms % 1000 < 0) --secs;
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

// Reads exactly `n` digits at text[pos]; advances pos.
bool digits(std::string_view text, std::size_t& pos, int n, int& out) {
    if (pos + static_cast<std::size_t>(n) > text.size()) return false;
    out = 0;
    for (int i = 0; i < n; ++i) {
        char c = text[pos + static_cast<std::size_t>(i)];
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        out = out * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

}  // namespace

std::string format_acs_timestamp(std::int64_t epoch_ms) {
    std::tm tm = utc(epoch_ms);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string format_rfc3339_ms(std::int64_t epoch_ms) {
    std::tm tm = utc(epoch_ms);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    long ms = static_cast<long>(((epoch_ms % 1000) + 1000) % 1000);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03ldZ", buf, ms);
    return out;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    int year, month, day, hour, minute, second;
    if (!digits(text, pos, 4, year) || !expect(text, pos, '-') || !digits(text, pos, 2, month) ||
        !expect(text, pos, '-') || !digits(text, pos, 2, day))
        return std::nullopt;
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
        return std::nullopt;
    ++pos;
    if (!digits(text, pos, 2, hour) || !expect(text, pos, ':') || !digits(text, pos, 2, minute) ||
        !expect(text, pos, ':') || !digits(text, pos, 2, second))
        return std::nullopt;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return std::nullopt;
    int max_day = mdays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
    if (day > max_day || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::int64_t millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int n = 0;
        std::int64_t frac = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (n < 3) frac = frac * 10 + (text[pos] - '0');
            ++n;
            ++pos;
        }
        if (n == 0) return std::nullopt;
        for (int i = n; i < 3; ++i) frac *= 10;
        millis = frac;
    }
    if (pos >= text.size()) return std::nullopt;  // the offset is mandatory
    std::int64_t offset_min = 0;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        int oh, om;
        if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset_min = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    std::int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + (second == 60 ? 59 : second);
    secs -= offset_min * 60;
    return secs * 1000 + millis;
}

std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::size_t pos = 0;
    std::int64_t total = 0;
    bool any = false;
    while (pos < text.size()) {
        std::int64_t value = 0;
        std::size_t start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            value = value * 10 + (text[pos] - '0');
            if (value > 1000000000LL) return std::nullopt;
            ++pos;
        }
        if (pos == start) return std::nullopt;
        std::string_view unit;
        std::size_t ustart = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        unit = text.substr(ustart, pos - ustart);
        std::int64_t mult;
        if (unit.empty()) {
            if (any || pos != text.size()) return std::nullopt;  // bare seconds only alone
            mult = 1000;
        } else if (unit == "ms") {
            mult = 1;
        } else if (unit == "s") {
            mult = 1000;
        } else if (unit == "m" || unit == "min") {
            mult = 60000;
        } else if (unit == "h") {
            mult = 3600000;
        } else if (unit == "d") {
            mult = 86400000;
        } else {
            return std::nullopt;
        }
        total += value * mult;
        any = true;
    }
    return total;
}

std::string format_duration_ms(std::int64_t ms) {
    if (ms > 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
    if (ms > 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
    if (ms > 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace qbi
