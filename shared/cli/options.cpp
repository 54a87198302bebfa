// Option parsing and help text for the project's command-line tools.
#include "options.h"

#include <charconv>
#include <ostream>

namespace feedback::cli {

namespace {

const OptionSpec* find_option(const Command& command, std::string_view name)
{
    for (const auto& option : command.options)
        if (option.name == name)
            return &option;
    return nullptr;
}

Error usage_error(std::string message) { return Error{ErrorKind::invalid_input, std::move(message)}; }

std::string option_synopsis(const OptionSpec& option)
{
    std::string text = "--" + option.name;
    if (option.arity == Arity::value)
        text += " " + (option.value_name.empty() ? std::string("VALUE") : option.value_name);
    return option.presence == Presence::required ? text : "[" + text + "]";
}

} // namespace

std::optional<std::string> ParsedOptions::value(std::string_view name) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    return it->second;
}

std::string ParsedOptions::value_or(std::string_view name, std::string fallback) const
{
    auto found = value(name);
    return found ? *found : std::move(fallback);
}

bool ParsedOptions::flag(std::string_view name) const { return m_values.find(name) != m_values.end(); }

Result<std::optional<int64_t>> ParsedOptions::integer(std::string_view name, int64_t min, int64_t max) const
{
    auto text = value(name);
    if (!text)
        return std::optional<int64_t>{};
    int64_t number = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (ec != std::errc{} || end != text->data() + text->size() || number < min || number > max)
        return usage_error("--" + std::string(name) + " must be a whole number from " + std::to_string(min) +
                           " to " + std::to_string(max) + " (got \"" + *text + "\")");
    return std::optional<int64_t>{number};
}

Result<ParsedOptions> parse_options(const Command& command, std::span<const std::string> args)
{
    ParsedOptions parsed;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0)
            return usage_error("unexpected argument \"" + arg + "\" (options start with --; see --help)");
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        const OptionSpec* spec = find_option(command, name);
        if (!spec)
            return usage_error("unknown option --" + name + " for " + command.name + " (see --help)");
        if (parsed.m_values.count(name))
            return usage_error("--" + name + " is given twice");
        if (spec->arity == Arity::flag) {
            if (inline_value)
                return usage_error("--" + name + " takes no value");
            parsed.m_values[name] = "";
            continue;
        }
        if (inline_value) {
            parsed.m_values[name] = *inline_value;
        } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
            parsed.m_values[name] = args[++i];
        } else {
            return usage_error("--" + name + " needs a value (" + spec->value_name + ")");
        }
        if (parsed.m_values[name].empty())
            return usage_error("--" + name + " needs a non-empty value");
    }
    for (const auto& option : command.options)
        if (option.presence == Presence::required && !parsed.m_values.count(option.name))
            return usage_error(command.name + " needs --" + option.name + " " + option.value_name + " (see --help)");
    return parsed;
}

bool wants_help(std::span<const std::string> args)
{
    for (const auto& arg : args)
        if (arg == "--help" || arg == "-h")
            return true;
    return false;
}

std::string command_help(std::string_view tool, const Command& command)
{
    std::string text = "usage: " + std::string(tool) + " " + command.name;
    for (const auto& option : command.options)
        text += " " + option_synopsis(option);
    text += "\n\n" + command.summary + "\n";
    if (!command.description.empty())
        text += "\n" + command.description + "\n";
    text += "\noptions:\n";
    for (const auto& option : command.options) {
        std::string left = "  --" + option.name;
        if (option.arity == Arity::value)
            left += " " + option.value_name;
        if (left.size() < 26)
            left.resize(26, ' ');
        else
            left += "\n" + std::string(26, ' ');
        text += left + option.help + "\n";
    }
    text += "  --help                  show this text\n";
    return text;
}

std::string tool_help(std::string_view tool, std::string_view summary, std::span<const Command> commands)
{
    std::string text = "usage: " + std::string(tool) + " COMMAND [OPTIONS]\n\n" + std::string(summary) + "\n\ncommands:\n";
    for (const auto& command : commands) {
        std::string left = "  " + command.name;
        left.resize(std::max<size_t>(left.size() + 2, 14), ' ');
        text += left + command.summary + "\n";
    }
    text += "\n'" + std::string(tool) + " COMMAND --help' tells more about a command.\n";
    return text;
}

std::variant<Invocation, int> dispatch(const Tool& tool, std::span<const Command> commands,
                                       std::span<const std::string> args, std::ostream& out, std::ostream& err)
{
    if (args.empty()) {
        err << tool_help(tool.name, tool.summary, commands);
        return exit_usage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        out << tool_help(tool.name, tool.summary, commands);
        return exit_ok;
    }
    if (args[0] == "--version") {
        out << tool.name << " " << tool.version << "\n";
        return exit_ok;
    }
    const Command* command = nullptr;
    for (const auto& candidate : commands)
        if (candidate.name == args[0])
            command = &candidate;
    if (!command) {
        err << tool.name << ": unknown command \"" << args[0] << "\" (see " << tool.name << " --help)\n";
        return exit_usage;
    }
    auto rest = args.subspan(1);
    if (wants_help(rest)) {
        out << command_help(tool.name, *command);
        return exit_ok;
    }
    auto options = parse_options(*command, rest);
    if (!options) {
        err << tool.name << " " << command->name << ": " << options.error().message << "\n";
        return exit_usage;
    }
    return Invocation{command, std::move(*options)};
}

} // namespace feedback::cli
