// must(): the value of a Result a test needs to have succeeded; when it
// failed, the test stops there (REQUIRE) with the Result's message.
#pragma once

#include "domain/result.h"

#include <catch2/catch.hpp>

#include <utility>

namespace feedback::testing {

template <class T>
T must(Result<T> result)
{
    INFO((result ? "" : result.error().message));
    REQUIRE(result);
    return std::move(*result);
}

inline void must(Result<void> result)
{
    INFO((result ? "" : result.error().message));
    REQUIRE(result);
}

} // namespace feedback::testing
