// The `feedback-hq user` subcommands: add, list, role, stores, disable,
// enable, email (where alerts go) and password, on the web_users table of DIR/hq.db.
#include "user_commands.h"

#include "cli/options.h"
#include "domain/clock.h"
#include "hq/hq_store.h"
#include "users.h"

#include <algorithm>
#include <array>
#include <istream>
#include <ostream>
#include <termios.h>
#include <unistd.h>

namespace feedback::hq::web {

namespace {

constexpr const char* tool = "feedback-hq user";

cli::OptionSpec dir_option()
{
    return {"dir", cli::Arity::value, cli::Presence::required, "DIR", "head office's folder (hq.db)"};
}

cli::OptionSpec name_option()
{
    return {"name", cli::Arity::value, cli::Presence::required, "NAME",
            "the user's name: 1-40 of A-Z a-z 0-9 _ . - (events name them hq:NAME)"};
}

cli::OptionSpec role_option()
{
    return {"role", cli::Arity::value, cli::Presence::required, "viewer|manager|admin",
            "viewer reads; manager also sees contact details and does follow-up; admin also users, devices, configuration"};
}

cli::OptionSpec stores_option(cli::Presence presence)
{
    return {"stores", cli::Arity::value, presence, "CODES",
            "the stores the user sees and handles, comma-separated, e.g. UTR,AMS (a store manager); "
            "empty: the whole chain"};
}

// "UTR, AMS" -> {"UTR", "AMS"}; "" -> {} (the whole chain).
std::vector<std::string> store_list(std::string_view text)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string code(text.substr(start, comma - start));
        std::erase(code, ' ');
        if (!code.empty())
            out.push_back(code);
        start = comma + 1;
    }
    return out;
}

std::string stores_text(const std::vector<std::string>& stores)
{
    if (stores.empty())
        return "the whole chain";
    std::string text = "stores ";
    for (size_t i = 0; i < stores.size(); ++i)
        text += (i ? "," : "") + stores[i];
    return text;
}

cli::OptionSpec password_option()
{
    return {"password-stdin", cli::Arity::flag, cli::Presence::optional, "",
            "read the password from the first line of standard input (else it is asked for without echo)"};
}

std::array<cli::Command, 8> commands()
{
    return {{
        {"add", "add a dashboard user with a password",
         "Adds a user of the web dashboard. The password (at least 12 characters) is\n"
         "read from standard input with --password-stdin, or typed twice without echo\n"
         "when standard input is a terminal. Only its argon2id hash is kept.",
         {dir_option(), name_option(), role_option(), stores_option(cli::Presence::optional), password_option()}},
        {"list", "list the dashboard's users", "Name, role, stores, since when, and whether disabled.", {dir_option()}},
        {"role", "change a user's role", "Ends the user's sessions.", {dir_option(), name_option(), role_option()}},
        {"stores", "limit a user to some stores, or give them the whole chain",
         "A user limited to stores sees and handles only those stores' complaints,\n"
         "call-backs and figures (a manager so limited is a store manager).\n"
         "--stores \"\" gives the whole chain back. Ends the user's sessions.",
         {dir_option(), name_option(), stores_option(cli::Presence::required)}},
        {"disable", "stop a user from logging in", "Ends the user's sessions; the user stays in the audit log.",
         {dir_option(), name_option()}},
        {"enable", "let a disabled user log in again", "", {dir_option(), name_option()}},
        {"email", "set the address a user's alerts go to",
         "Head office e-mails its people alerts (escalated, serious or overdue complaints,\n"
         "call-backs, silent terminals); each user chooses which on their account page.\n"
         "Give --email ADDRESS, or --remove for no alerts.",
         {dir_option(), name_option(),
          {"email", cli::Arity::value, cli::Presence::optional, "ADDRESS", "e.g. quality@example.nl"},
          {"remove", cli::Arity::flag, cli::Presence::optional, "", "remove the address: no alerts"}}},
        {"password", "set a user's password", "As for add. Ends the user's sessions.",
         {dir_option(), name_option(), password_option()}},
    }};
}

int fail(std::ostream& err, std::string_view command, const std::string& message)
{
    err << tool << " " << command << ": " << message << "\n";
    return cli::exit_failed;
}

// Reads a line from the terminal with echo off.
std::optional<std::string> read_hidden(std::istream& in, std::ostream& err, const std::string& prompt)
{
    err << prompt << std::flush;
    termios before{};
    bool terminal = tcgetattr(STDIN_FILENO, &before) == 0;
    if (terminal) {
        termios quiet = before;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    bool read = static_cast<bool>(std::getline(in, line));
    if (terminal)
        tcsetattr(STDIN_FILENO, TCSANOW, &before);
    err << "\n";
    if (!read)
        return std::nullopt;
    return line;
}

Result<std::string> read_password(const cli::ParsedOptions& options, std::istream& in, bool in_is_terminal,
                                  std::ostream& err)
{
    std::string password;
    if (options.flag("password-stdin")) {
        if (!std::getline(in, password))
            return Error{ErrorKind::invalid_input, "no password on standard input"};
    } else if (in_is_terminal) {
        auto first = read_hidden(in, err, "password for " + *options.value("name") + ": ");
        auto second = first ? read_hidden(in, err, "the same again: ") : std::nullopt;
        if (!first || !second)
            return Error{ErrorKind::invalid_input, "no password was typed"};
        if (*first != *second)
            return Error{ErrorKind::invalid_input, "the two passwords differ; nothing was changed"};
        password = *first;
    } else {
        return Error{ErrorKind::invalid_input,
                     "give the password on standard input with --password-stdin, or run this in a terminal"};
    }
    if (!password.empty() && password.back() == '\r')
        password.pop_back();
    if (auto problem = password_problem(password))
        return Error{ErrorKind::invalid_input, *problem + "; nothing was changed"};
    return password;
}

} // namespace

int run_user_cli(std::span<const std::string> args, std::istream& in, bool in_is_terminal, std::ostream& out,
                 std::ostream& err)
{
    auto all = commands();
    cli::Tool about{tool, FEEDBACK_VERSION, "The web dashboard's users (roles viewer, manager, admin)."};
    auto invocation = cli::dispatch(about, all, args, out, err);
    if (const int* exit_code = std::get_if<int>(&invocation))
        return *exit_code;
    auto& [command, options] = std::get<cli::Invocation>(invocation);
    const std::string& name = command->name;

    std::optional<Role> role;
    if (auto text = options.value("role")) {
        role = role_from_string(*text);
        if (!role) {
            err << tool << " " << name << ": --role must be viewer, manager or admin (got \"" << *text << "\")\n";
            return cli::exit_usage;
        }
    }
    if (auto user = options.value("name"); user && !is_valid_user_name(*user)) {
        err << tool << " " << name << ": --name must be 1 to 40 characters of A-Z a-z 0-9 _ . -\n";
        return cli::exit_usage;
    }
    std::string password_hash;
    if (name == "add" || name == "password") {
        auto password = read_password(options, in, in_is_terminal, err);
        if (!password)
            return fail(err, name, password.error().message);
        auto hash = hash_password(*password);
        if (!hash)
            return fail(err, name, hash.error().message);
        password_hash = *hash;
    }
    auto store = HqStore::open(*options.value("dir"), HqStore::Intent::existing_only);
    if (!store)
        return fail(err, name, store.error().message);
    UserStore users(store->connection());
    int64_t now = now_utc_ms();
    std::string user = options.value_or("name", "");
    Result<void> done;
    if (name == "add") {
        std::vector<std::string> stores = store_list(options.value_or("stores", ""));
        auto added = users.add_user(user, *role, password_hash, now, stores);
        if (!added)
            return fail(err, name, added.error().message);
        done = users.audit("feedback-hq", "user.added", user, "command line", now);
        if (done)
            out << "added " << to_string(*role) << " " << user << " (" << stores_text(stores) << ")\n";
    } else if (name == "list") {
        auto list = users.users();
        if (!list)
            return fail(err, name, list.error().message);
        if (list->empty())
            out << "no users (feedback-hq user add makes one)\n";
        for (const auto& u : *list)
            out << u.name << "  " << to_string(u.role) << "  " << stores_text(u.stores) << "  since "
                << format_utc_iso8601(u.created_at)
                << (u.disabled_at ? "  DISABLED " + format_utc_iso8601(*u.disabled_at) : std::string()) << "\n";
        return cli::exit_ok;
    } else if (name == "role") {
        done = users.set_role(user, *role);
        if (done)
            done = users.audit("feedback-hq", "user.role", user, "command line", now);
        if (done)
            out << user << " is now " << to_string(*role) << "\n";
    } else if (name == "stores") {
        std::vector<std::string> stores = store_list(*options.value("stores"));
        done = users.set_stores(user, stores);
        if (done)
            done = users.audit("feedback-hq", "user.stores", user, "command line", now);
        if (done)
            out << user << " now sees " << stores_text(stores) << "\n";
    } else if (name == "email") {
        if (options.flag("remove") == options.value("email").has_value())
            return fail(err, name, "give either --email ADDRESS or --remove (see feedback-hq user email --help)");
        const std::string email = options.value_or("email", "");
        done = users.set_email(user, email);
        if (done)
            done = users.audit("feedback-hq", "user.alerts", user, "command line", now);
        if (done)
            out << (email.empty() ? user + " gets no alerts\n" : "the alert address of " + user + " is set\n");
    } else if (name == "disable" || name == "enable") {
        done = users.set_disabled(user, name == "disable", now);
        if (done)
            done = users.audit("feedback-hq", "user." + name, user, "command line", now);
        if (done)
            out << user << (name == "disable" ? " is disabled\n" : " is enabled\n");
    } else {
        done = users.set_password_hash(user, password_hash, now);
        if (done)
            done = users.audit("feedback-hq", "user.password", user, "command line", now);
        if (done)
            out << "the password of " << user << " is set\n";
    }
    if (!done)
        return fail(err, name, done.error().message);
    return cli::exit_ok;
}

} // namespace feedback::hq::web
