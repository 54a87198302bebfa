// The `feedback-hq token` subcommands: add prints a new token once, list
// shows every token without it, revoke refuses it from then on.
#include "token_commands.h"

#include "api_tokens.h"
#include "cli/options.h"
#include "domain/clock.h"
#include "domain/text_escape.h"
#include "hq/hq_store.h"

#include <array>
#include <ostream>

namespace feedback::hq::api {

namespace {

constexpr const char* tool = "feedback-hq token";

cli::OptionSpec dir_option()
{
    return {"dir", cli::Arity::value, cli::Presence::required, "DIR", "head office's folder (hq.db)"};
}

cli::OptionSpec name_option()
{
    return {"name", cli::Arity::value, cli::Presence::required, "NAME",
            "the tool's name: 1-36 of A-Z a-z 0-9 _ . - (its complaints name it as actor hq:api.NAME)"};
}

std::array<cli::Command, 3> commands()
{
    return {{
        {"add", "make a token for a tool that registers complaints (printed once)",
         "Prints a new token for POST /api/v1/complaints and GET /api/v1/complaints/REF\n"
         "(sync/API.md), sent as \"Authorization: Bearer TOKEN\". It is shown this once:\n"
         "head office keeps only its SHA-256. A name is never given twice, not even\n"
         "after revocation, so the complaints a tool registered keep naming it.",
         {dir_option(), name_option()}},
        {"list", "list the tokens: name, created, last used, revoked",
         "Never the tokens themselves (head office does not have them). The last use\n"
         "is kept to the minute.",
         {dir_option()}},
        {"revoke", "refuse a token from now on",
         "Every request with it is answered 401 token_revoked. The complaints it\n"
         "registered stay as they are.",
         {dir_option(), name_option()}},
    }};
}

int fail(std::ostream& err, std::string_view command, const std::string& message)
{
    err << tool << " " << command << ": " << escape_control_characters(message) << "\n";
    return cli::exit_failed;
}

std::string time_or(const std::optional<int64_t>& ms, const char* otherwise)
{
    return ms ? format_utc_iso8601(*ms) : std::string(otherwise);
}

} // namespace

int run_token_cli(std::span<const std::string> args, std::ostream& out, std::ostream& err)
{
    auto all = commands();
    cli::Tool about{tool, FEEDBACK_VERSION, "The intake API's tokens (sync/API.md)."};
    auto invocation = cli::dispatch(about, all, args, out, err);
    if (const int* exit_code = std::get_if<int>(&invocation))
        return *exit_code;
    auto& [command, options] = std::get<cli::Invocation>(invocation);
    const std::string& name = command->name;
    const std::string token_name = options.value_or("name", "");
    if (name != "list" && !is_valid_token_name(token_name)) {
        err << tool << " " << name << ": --name must be 1 to " << max_token_name_length
            << " characters of A-Z a-z 0-9 _ . - (got \"" << escape_control_characters(token_name) << "\")\n";
        return cli::exit_usage;
    }
    auto store = HqStore::open(*options.value("dir"), HqStore::Intent::existing_only);
    if (!store)
        return fail(err, name, store.error().message);
    ApiTokenStore tokens(store->connection());
    if (name == "add") {
        auto made = tokens.add(token_name, now_utc_ms());
        if (!made)
            return fail(err, name, made.error().message);
        out << made->token << "\n";
        out << "API token for " << made->name
            << ": shown this once (head office keeps only its hash); send it as \"Authorization: Bearer TOKEN\"\n";
        return cli::exit_ok;
    }
    if (name == "list") {
        auto list = tokens.tokens();
        if (!list)
            return fail(err, name, list.error().message);
        if (list->empty())
            out << "no API tokens (feedback-hq token add makes one)\n";
        for (const ApiToken& token : *list)
            out << token.name << "  created " << format_utc_iso8601(token.created_at) << "  last used "
                << time_or(token.last_used_at, "never")
                << (token.revoked_at ? "  REVOKED " + format_utc_iso8601(*token.revoked_at) : std::string()) << "\n";
        return cli::exit_ok;
    }
    auto revoked = tokens.revoke(token_name, now_utc_ms());
    if (!revoked)
        return fail(err, name, revoked.error().message);
    out << "revoked the token " << token_name << ": its requests are refused from now on\n";
    return cli::exit_ok;
}

} // namespace feedback::hq::api
