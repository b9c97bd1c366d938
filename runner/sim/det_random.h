#pragma once
// Deterministic pseudo-random numbers for the simulator: generated worlds, fault decisions and
// RequestIds are pure functions of the seed (and of the request's sequence number), the same
// on every platform and compiler (no std:: distributions, whose output is unspecified).
//
// Thread-safety: the free functions are pure. SplitMix is a plain value: one per thread.
#include <cstdint>

namespace qbi::sim {

// SplitMix64's finaliser: a bijective 64-bit mix.
inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// An independent 64-bit value for (seed, stream, index): e.g. stream "drop" for request 17.
inline std::uint64_t draw(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    return mix64(mix64(seed ^ mix64(stream)) ^ index);
}

// Uniform in [0, 1) from 64 random bits (53-bit mantissa).
inline double unit(std::uint64_t bits) {
    return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}

// A sequential generator (SplitMix64).
class SplitMix {
public:
    explicit SplitMix(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        state_ += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) for n > 0 (multiply-shift; bias below 2^-32 for the sizes used here).
    std::uint64_t below(std::uint64_t n) {
        __extension__ typedef unsigned __int128 u128;
        return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
    }
    double uniform() { return unit(next()); }

private:
    std::uint64_t state_;
};

}  // namespace qbi::sim
