#include "runner/core/random.h"

#include <sys/random.h>

#include <cstdio>
#include <stdexcept>

namespace qbi {

namespace {
void fill_os_random(unsigned char* buf, std::size_t len) {
    std::size_t got = 0;
    while (got < len) {
        ssize_t n = ::getrandom(buf + got, len - got, 0);
        if (n < 0) throw std::runtime_error("getrandom failed");
        got += static_cast<std::size_t>(n);
    }
}
}  // namespace

std::string RandomNonceSource::next() {
    unsigned char bytes[16];
    fill_os_random(bytes, sizeof bytes);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(32);
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

std::string SequenceNonceSource::next() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%012llu", static_cast<unsigned long long>(++counter_));
    return prefix_ + buf;
}

double SeededRandom::uniform() {
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

std::int64_t SeededRandom::between(std::int64_t lo, std::int64_t hi) {
    std::lock_guard lock(mutex_);
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
}

std::uint64_t os_random_seed() {
    std::uint64_t seed = 0;
    fill_os_random(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
    return seed;
}

}  // namespace qbi
