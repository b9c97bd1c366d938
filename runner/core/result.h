#pragma once
// A value-or-error result (GCC 12 has no std::expected). The error is a message plus an exit
// code class so the top-level handler can map it to sysexits.
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "runner/core/exit_codes.h"

namespace qbi {

struct Error {
    int code = kExitSoftware;  // an ExitCode
    std::string message;
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}      // NOLINT
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

}  // namespace qbi
