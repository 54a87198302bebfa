// `feedback-hq token ...`: the intake API's tokens from the command line
// (add, list, revoke), on the api_tokens table of DIR/hq.db.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace feedback::hq::api {

// `args` are the arguments after "token". Exit codes as every tool's: 0
// done, 1 the work failed (the reason on `err`), 2 the command line is wrong.
int run_token_cli(std::span<const std::string> args, std::ostream& out, std::ostream& err);

} // namespace feedback::hq::api
