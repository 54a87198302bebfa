// The feedback-terminal command line: record, status, export, init and
// retention. Streams are parameters so tests can run it in-process.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace feedback::terminal {

// Exit codes: 0 success, 1 the work failed (a line rejected, a store error),
// 2 the command line itself is wrong.
int run_cli(std::span<const std::string> args, std::istream& in, std::ostream& out, std::ostream& err);

} // namespace feedback::terminal
