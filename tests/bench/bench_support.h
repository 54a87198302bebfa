// What every benchmark needs: a steady clock, milliseconds since a moment,
// percentiles of samples, and stopping with a message when a step fails.
#pragma once

#include "domain/result.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace feedback::bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The p-th percentile (0.0-1.0) by nearest rank; 0 for no samples.
inline double percentile(std::vector<double> samples, double p)
{
    if (samples.empty())
        return 0.0;
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[std::min(index, samples.size() - 1)];
}

// Prints "<program>: <what>: <message>" and exits 1.
[[noreturn]] inline void die(const char* program, const char* what, const Error& error)
{
    std::fprintf(stderr, "%s: %s: %s\n", program, what, error.message.c_str());
    std::exit(1);
}

// Prints "<program>: <what>" and exits 1.
[[noreturn]] inline void fail(const char* program, const std::string& what)
{
    std::fprintf(stderr, "%s: %s\n", program, what.c_str());
    std::exit(1);
}

// The result's value, or die() with `what`.
template <class T>
T must(const char* program, Result<T> result, const char* what)
{
    if (!result)
        die(program, what, result.error());
    return std::move(*result);
}

} // namespace feedback::bench
