// How a harness reports a broken promise that no sanitizer sees (a value
// read back differently, a 500, a redirect off the site): what broke and the
// input on stderr, then abort(), so that libFuzzer keeps the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace feedback::fuzz {

[[noreturn]] inline void report_finding(std::string_view what, std::string_view input)
{
    std::fprintf(stderr, "%.*s\ninput:\n%.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(input.size()), input.data());
    std::abort();
}

// For the harnesses that send requests: the request and head office's answer.
[[noreturn]] inline void report_finding(std::string_view what, std::string_view request, std::string_view answer)
{
    std::fprintf(stderr, "%.*s\nrequest:\n%.*s\n\nanswer:\n%.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(request.size()), request.data(), static_cast<int>(answer.size()), answer.data());
    std::abort();
}

} // namespace feedback::fuzz
