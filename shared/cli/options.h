// Command-line options of the project's tools: "--name value" and "--flag"
// pairs checked against what a subcommand accepts, so that an unknown option,
// a missing value or a missing required option is a clear error.
#pragma once

#include "domain/result.h"

#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedback::cli {

// Exit codes of every tool: done; the work failed (and why was said); the
// command line itself is wrong.
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

enum class Arity { flag, value };
enum class Presence { optional, required };

struct OptionSpec {
    std::string name;        // without the leading "--"
    Arity arity = Arity::value;
    Presence presence = Presence::optional;
    std::string value_name;  // "DIR", "N"; shown in help
    std::string help;
};

struct Command {
    std::string name;        // "record"
    std::string summary;     // one line for the tool's overview
    std::string description; // the rest of this command's --help text
    std::vector<OptionSpec> options;
};

class ParsedOptions {
public:
    std::optional<std::string> value(std::string_view name) const;
    std::string value_or(std::string_view name, std::string fallback) const;
    bool flag(std::string_view name) const;
    // The option's value as an integer within [min, max], or an error naming it.
    Result<std::optional<int64_t>> integer(std::string_view name, int64_t min, int64_t max) const;

private:
    friend Result<ParsedOptions> parse_options(const Command&, std::span<const std::string>);
    std::map<std::string, std::string, std::less<>> m_values;
};

// Parses the arguments after the subcommand's name. "--help" is not handled
// here: check wants_help() first.
Result<ParsedOptions> parse_options(const Command& command, std::span<const std::string> args);

bool wants_help(std::span<const std::string> args);

// "usage: TOOL COMMAND --opt VALUE [--flag]\n\n<description>\n\noptions:\n ..."
std::string command_help(std::string_view tool, const Command& command);

// The tool's overview: one line per command.
std::string tool_help(std::string_view tool, std::string_view summary, std::span<const Command> commands);

struct Tool {
    std::string name;    // "feedback-terminal"
    std::string version; // printed by --version
    std::string summary; // first line of the overview
};

struct Invocation {
    const Command* command = nullptr;
    ParsedOptions options;
};

// The front door of every tool: `args` are the arguments after the program's
// name. Answers --help, --version, a command's --help, an unknown command and
// bad options itself (printing to out or err) and then returns the exit code;
// otherwise returns the command to run with its options.
std::variant<Invocation, int> dispatch(const Tool& tool, std::span<const Command> commands,
                                       std::span<const std::string> args, std::ostream& out, std::ostream& err);

} // namespace feedback::cli
