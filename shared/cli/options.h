// Command-line options of the project's tools: "--name value" and "--flag"
// pairs checked against what a subcommand accepts, so that an unknown option,
// a missing value or a missing required option is a clear error.
#pragma once

#include "domain/result.h"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::cli {

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

} // namespace feedback::cli
