// The feedback-hq command line: init, serve, enroll, devices, revoke and
// export; "user" and "token" go to their modules' own commands. Streams are
// parameters so tests can run it in-process.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace feedback::hq {

// Exit codes: 0 success, 1 the work failed (with the reason on `err`), 2 the
// command line itself is wrong.
int run_cli(std::span<const std::string> args, std::ostream& out, std::ostream& err);

} // namespace feedback::hq
