// The feedback-terminal subcommands. Each opens the store, does one job and
// says what went wrong in words a person can act on; personal data is never
// printed to standard error (it could end up in a log).
#include "commands.h"

#include "cli/options.h"
#include "domain/clock.h"
#include "domain/event_csv.h"
#include "event_input.h"
#include "store/local_store.h"

#include <array>
#include <cstdio>
#include <iomanip>
#include <iostream>

namespace feedback::terminal {

namespace {

constexpr const char* tool = "feedback-terminal";
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr int default_retention_days = 30;

cli::OptionSpec data_dir_option()
{
    return {"data-dir", cli::Arity::value, cli::Presence::required, "DIR",
            "folder of the local store (feedback.db); must exist"};
}

std::array<cli::Command, 5> commands()
{
    using cli::Arity;
    using cli::Presence;
    return {{
        {"record", "record events read as JSON lines on standard input",
         "Each line is one event, for example\n"
         "  {\"type\":\"nps.rated\",\"score\":9,\"locale\":\"nl\"}\n"
         "  {\"type\":\"complaint.opened\",\"channel\":\"walk_in\",\"category\":\"product\",\n"
         "   \"description\":\"...\",\"customer_wish\":\"...\",\"actor\":\"staff:anna\"}\n"
         "  {\"type\":\"complaint.acknowledged\",\"complaint\":\"UTR-2A-4F9TX\",\"actor\":\"staff:anna\"}\n"
         "The program fills in id, time, device and sequence. After each event is\n"
         "committed to disk its id is printed on its own line; for complaint.opened a\n"
         "second line follows: \"reference CODE complaint ID\". Later complaint events\n"
         "name their complaint with \"complaint\" (id or reference code), nps.detailed\n"
         "names its rating with \"rating\". A rejected line is reported on standard\n"
         "error with its line number and the rule it breaks; the other lines are\n"
         "still recorded, and the exit status is 1.",
         {data_dir_option()}},
        {"status", "counts, NPS of the last 30 days, open complaints, backlog, integrity", "",
         {data_dir_option(), {"json", Arity::flag, Presence::optional, "", "print JSON instead of text"}}},
        {"export", "write every event to standard output", "Personal fields are included while the store holds them.",
         {data_dir_option(),
          {"format", Arity::value, Presence::required, "jsonl|csv", "one JSON object per line, or CSV with a header"}}},
        {"init", "set the store and terminal codes used in complaint reference codes",
         "Enrolment with head office sets these too. Codes use the symbols\n23456789ABCDEFGHJKMNPQRSTUVWXYZ.",
         {data_dir_option(),
          {"store", Arity::value, Presence::required, "CODE", "the store's code, 3 symbols (e.g. UTR)"},
          {"terminal", Arity::value, Presence::required, "CODE", "this terminal's code in the store, 2 symbols"}}},
        {"retention", "erase contact details that are no longer needed",
         "Erases the contact details of complaints closed at least DAYS ago whose\n"
         "events head office has acknowledged, and of acknowledged detailed ratings\n"
         "as old. The events themselves stay.",
         {data_dir_option(),
          {"days", Arity::value, Presence::optional, "DAYS",
           "keep contact details this long after closing (default 30)"}}},
    }};
}

Result<store::LocalStore> open_store(const cli::ParsedOptions& options, store::OpenIntent intent)
{
    store::StoreOptions store_options;
    store_options.intent = intent;
    return store::LocalStore::open(*options.value("data-dir"), store_options);
}

int fail(std::ostream& err, const Error& error)
{
    err << tool << ": " << error.message << "\n";
    return exit_failed;
}

// [SECTION] record

bool stops_the_run(ErrorKind kind)
{
    return kind == ErrorKind::disk_full || kind == ErrorKind::io || kind == ErrorKind::corrupt ||
           kind == ErrorKind::busy || kind == ErrorKind::internal;
}

Result<store::RecordedEvent> record_line(store::LocalStore& store, std::string_view line)
{
    auto input = parse_input_line(line);
    FEEDBACK_TRY(input);
    if (!input->complaint.empty()) {
        auto id = store.find_complaint(input->complaint);
        if (!id)
            return Error{id.error().kind, "complaint: " + id.error().message};
        input->event.subject = *id;
    }
    return store.record(input->event, now_utc_ms());
}

int record(const cli::ParsedOptions& options, std::istream& in, std::ostream& out, std::ostream& err)
{
    auto store = open_store(options, store::OpenIntent::create_if_missing);
    if (!store)
        return fail(err, store.error());
    int rejected = 0;
    std::string line;
    for (long line_number = 1; std::getline(in, line); ++line_number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        auto recorded = record_line(*store, line);
        if (!recorded) {
            ++rejected;
            err << tool << ": line " << line_number << ": " << recorded.error().message << "\n";
            if (stops_the_run(recorded.error().kind)) {
                err << tool << ": stopped at line " << line_number
                    << "; the lines after it were not read. Everything printed before was recorded.\n";
                return exit_failed;
            }
            continue;
        }
        out << recorded->id << "\n";
        if (!recorded->reference.empty())
            out << "reference " << recorded->reference << " complaint " << recorded->subject << "\n";
        out.flush(); // the id is a promise that the event is on disk: say it at once
    }
    if (rejected > 0) {
        err << tool << ": " << rejected << (rejected == 1 ? " line was" : " lines were") << " rejected\n";
        return exit_failed;
    }
    return exit_ok;
}

// [SECTION] status

std::string counted(long count, const char* singular, const char* plural)
{
    return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

std::string nps_text(const NpsSummary& nps)
{
    auto score = nps.rounded_score();
    std::string text = score ? (*score > 0 ? "+" : "") + std::to_string(*score) : std::string("no ratings");
    return text + " (" + counted(nps.total(), "rating", "ratings") + ": " +
           counted(nps.promoters, "promoter", "promoters") + ", " + counted(nps.passives, "passive", "passives") +
           ", " + counted(nps.detractors, "detractor", "detractors") + ")";
}

int status(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto store = open_store(options, store::OpenIntent::existing_only);
    if (!store)
        return fail(err, store.error());
    auto report = store->status(now_utc_ms());
    if (!report)
        return fail(err, report.error());
    const auto& s = *report;
    if (options.flag("json")) {
        nlohmann::json json{
            {"device", {{"device_id", s.device.device_id}, {"store_code", s.device.store_code},
                        {"terminal_code", s.device.terminal_code}}},
            {"events_by_type", s.events_by_type},
            {"events_total", s.events_total},
            {"nps_last_30_days",
             {{"score", s.nps_last_30_days.score() ? nlohmann::json(*s.nps_last_30_days.score()) : nlohmann::json()},
              {"ratings", s.nps_last_30_days.total()},
              {"promoters", s.nps_last_30_days.promoters},
              {"passives", s.nps_last_30_days.passives},
              {"detractors", s.nps_last_30_days.detractors}}},
            {"open_complaints", s.open_complaints},
            {"unsent_backlog", s.unsent_backlog},
            {"quarantined", s.quarantined},
            {"schema_version", s.schema_version},
            {"integrity", s.integrity},
            {"last_event_at", s.last_event_at ? nlohmann::json(format_utc_iso8601(*s.last_event_at)) : nlohmann::json()},
        };
        out << json.dump(2) << "\n";
        return exit_ok;
    }
    out << "terminal        " << s.device.store_code << "-" << s.device.terminal_code << " (device "
        << s.device.device_id << ")\n";
    out << "events          " << s.events_total << "\n";
    for (const auto& [type, count] : s.events_by_type)
        out << "  " << std::left << std::setw(30) << type << count << "\n";
    out << "NPS, 30 days    " << nps_text(s.nps_last_30_days) << "\n";
    out << "open complaints " << s.open_complaints << "\n";
    out << "unsent backlog  " << s.unsent_backlog << "\n";
    out << "quarantined     " << s.quarantined << "\n";
    out << "schema version  " << s.schema_version << "\n";
    out << "integrity       " << s.integrity << "\n";
    if (s.last_event_at)
        out << "last event      " << format_utc_iso8601(*s.last_event_at) << "\n";
    return exit_ok;
}

// [SECTION] export, init, retention

int export_events(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    std::string format = *options.value("format");
    if (format != "jsonl" && format != "csv") {
        err << tool << ": --format must be jsonl or csv (got \"" << format << "\")\n";
        return exit_usage;
    }
    auto store = open_store(options, store::OpenIntent::existing_only);
    if (!store)
        return fail(err, store.error());
    if (format == "csv")
        out << csv_header();
    auto done = store->for_each_event([&](const Event& event) {
        if (format == "csv")
            out << csv_row(event);
        else
            out << to_json(event).dump() << "\n";
    });
    if (!done)
        return fail(err, done.error());
    out.flush();
    if (!out)
        return fail(err, Error{ErrorKind::io, "writing the export failed"});
    return exit_ok;
}

int init(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto store = open_store(options, store::OpenIntent::create_if_missing);
    if (!store)
        return fail(err, store.error());
    auto set = store->set_identity(*options.value("store"), *options.value("terminal"));
    if (!set)
        return fail(err, set.error());
    out << "terminal " << store->device().store_code << "-" << store->device().terminal_code << " (device "
        << store->device().device_id << ")\n";
    return exit_ok;
}

int retention(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto days = options.integer("days", 0, 36500);
    if (!days) {
        err << tool << ": " << days.error().message << "\n";
        return exit_usage;
    }
    auto store = open_store(options, store::OpenIntent::existing_only);
    if (!store)
        return fail(err, store.error());
    auto report = store->apply_retention(now_utc_ms(), static_cast<int>(days->value_or(default_retention_days)));
    if (!report)
        return fail(err, report.error());
    out << "erased contact details of " << report->complaints_erased << " complaints (" << report->events_erased
        << " events)\n";
    return exit_ok;
}

} // namespace

int run_cli(std::span<const std::string> args, std::istream& in, std::ostream& out, std::ostream& err)
{
    auto all = commands();
    constexpr const char* summary = "The offline-first customer-feedback terminal.";
    if (args.empty()) {
        err << cli::tool_help(tool, summary, all);
        return exit_usage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        out << cli::tool_help(tool, summary, all);
        return exit_ok;
    }
    if (args[0] == "--version") {
        out << tool << " " << FEEDBACK_VERSION << "\n";
        return exit_ok;
    }
    const cli::Command* command = nullptr;
    for (const auto& candidate : all)
        if (candidate.name == args[0])
            command = &candidate;
    if (!command) {
        err << tool << ": unknown command \"" << args[0] << "\" (see " << tool << " --help)\n";
        return exit_usage;
    }
    auto rest = args.subspan(1);
    if (cli::wants_help(rest)) {
        out << cli::command_help(tool, *command);
        return exit_ok;
    }
    auto options = cli::parse_options(*command, rest);
    if (!options) {
        err << tool << " " << command->name << ": " << options.error().message << "\n";
        return exit_usage;
    }
    if (command->name == "record")
        return record(*options, in, out, err);
    if (command->name == "status")
        return status(*options, out, err);
    if (command->name == "export")
        return export_events(*options, out, err);
    if (command->name == "init")
        return init(*options, out, err);
    return retention(*options, out, err);
}

} // namespace feedback::terminal
