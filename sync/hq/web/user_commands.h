// `feedback-hq user ...`: the dashboard's users from the command line (the
// first admin has to come from somewhere). Passwords are read from standard
// input (--password-stdin) or, in a terminal, typed without echo.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace feedback::hq::web {

// `args` are the arguments after "user". Exit codes as every tool's: 0
// done, 1 the work failed (the reason on `err`), 2 the command line is wrong.
int run_user_cli(std::span<const std::string> args, std::istream& in, bool in_is_terminal, std::ostream& out,
                 std::ostream& err);

} // namespace feedback::hq::web
