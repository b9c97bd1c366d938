#pragma once
// The one error style of qbi-runner: a value-or-error Result<T> and, for operations that
// return nothing, a Status (GCC 12 has no std::expected). The error is a message plus an exit
// code class (sysexits), so the single top-level handler can print it and exit with it.
//
// Lookups that cannot fail with a reason (a name that is not an enum value, text that is not a
// number) return std::optional<T> instead: absence is the whole answer.
//
// Thread-safety: plain values.
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
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}  // NOLINT
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

// Success, or an Error. `return {};` (or `return Status();`) is success.
class Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
    bool ok() const { return !error_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }

private:
    std::optional<Error> error_;
};

}  // namespace qbi
