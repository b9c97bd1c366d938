#pragma once
// Randomness, injected: signature nonces and backoff jitter.
//
// Thread-safety: RandomNonceSource and SeededRandom are safe to share (internally locked).
// SequenceNonceSource is safe to share (atomic counter).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace qbi {

class NonceSource {
public:
    virtual ~NonceSource() = default;
    // A value never returned before by this source: 32 lower-case hex characters for the
    // real source. Alibaba Cloud rejects a nonce reused within 15 minutes.
    virtual std::string next() = 0;
};

// 128 bits from the operating system's CSPRNG (getrandom), hex-encoded.
class RandomNonceSource final : public NonceSource {
public:
    std::string next() override;
};

// Deterministic nonces for tests: prefix + zero-padded counter.
class SequenceNonceSource final : public NonceSource {
public:
    explicit SequenceNonceSource(std::string prefix = "nonce-") : prefix_(std::move(prefix)) {}
    std::string next() override;

private:
    std::string prefix_;
    std::atomic<std::uint64_t> counter_{0};
};

// Uniform numbers for jitter and simulated faults. Seeded => reproducible.
class Random {
public:
    virtual ~Random() = default;
    // Uniform in [0, 1).
    virtual double uniform() = 0;
    // Uniform integer in [lo, hi], inclusive.
    virtual std::int64_t between(std::int64_t lo, std::int64_t hi) = 0;
};

class SeededRandom final : public Random {
public:
    explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
    double uniform() override;
    std::int64_t between(std::int64_t lo, std::int64_t hi) override;

private:
    std::mutex mutex_;
    std::mt19937_64 engine_;  // guarded by mutex_
};

// Seed from the operating system, for production use.
std::uint64_t os_random_seed();

}  // namespace qbi
