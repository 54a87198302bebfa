// Result<T>: the value of an operation that can fail in an expected way
// (bad input, full disk, invalid transition), or a typed Error saying why in
// words a person can act on. Bugs are asserts, not Results.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace feedback {

// What kind of failure; callers branch on this, people read the message.
enum class ErrorKind {
    invalid_input,      // the caller's data breaks a rule
    invalid_transition, // a complaint event not allowed in the complaint's state
    not_found,          // a referenced thing does not exist
    conflict,           // already exists, or differs from what exists
    disk_full,          // storage has no room left; committed data is intact
    io,                 // the disk or file system failed
    busy,               // another process holds the database too long
    corrupt,            // the database failed its integrity check
    internal,           // anything else from a library
};

const char* to_string(ErrorKind kind);

struct Error {
    ErrorKind kind;
    std::string message;
    // A module's own typed code for a caller that must tell refusals of the
    // same kind apart (sync::ErrorCode, the protocol's error codes); 0 for none.
    int code = 0;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok() && "Result::value() on an error"); return std::get<0>(m_state); }
    const T& value() const& { assert(ok() && "Result::value() on an error"); return std::get<0>(m_state); }
    T&& value() && { assert(ok() && "Result::value() on an error"); return std::get<0>(std::move(m_state)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok() && "Result::error() on a value"); return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

// Result of an operation that returns nothing on success.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { assert(m_failed && "Result::error() on success"); return m_error; }

private:
    Error m_error{ErrorKind::internal, {}};
    bool m_failed = false;
};

} // namespace feedback

// Inside a function returning a Result: evaluates `expr` (a Result) and
// returns its error from the enclosing function when it failed.
#define FEEDBACK_TRY(expr)                                                     \
    do {                                                                       \
        auto&& feedback_try_result_ = (expr);                                  \
        if (!feedback_try_result_)                                             \
            return feedback_try_result_.error();                               \
    } while (false)
