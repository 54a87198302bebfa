// The feedback-terminal subcommands. Each opens the store, does one job and
// says what went wrong in words a person can act on; personal data is never
// printed to standard error (it could end up in a log).
#include "commands.h"

#include "app/run_kiosk.h"
#include "cli/options.h"
#include "client/exit_notes.h"
#include "client/sync_session.h"
#include "client/uploader.h"
#include "config/pin.h"
#include "domain/clock.h"
#include "domain/event_csv.h"
#include "domain/text_escape.h"
#include "event_input.h"
#include "session_command.h"
#include "store/local_store.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <csignal>
#include <thread>
#include <cstdio>
#include <iomanip>
#include <iostream>

namespace feedback::terminal {

namespace {

constexpr const char* tool = "feedback-terminal";
using cli::exit_failed;
using cli::exit_ok;
using cli::exit_usage;

cli::OptionSpec data_dir_option()
{
    return {"data-dir", cli::Arity::value, cli::Presence::required, "DIR",
            "folder of the local store (feedback.db); must exist"};
}

std::array<cli::Command, 12> commands()
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
        {"export", "write every event to standard output", "Personal fields (contact details) are left out.",
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
        {"hash-pin", "hash a staff PIN for the kiosk configuration",
         "Reads the PIN (4 to 8 digits) as one line on standard input, never from the\n"
         "command line, where other users could see it, and prints its argon2id hash\n"
         "for the \"pin_hash\" field of a staff member, for example\n"
         "  printf '1234\\n' | feedback-terminal hash-pin",
         {}},
        {"enroll", "enrol this terminal with head office and pull its configuration",
         "Trades the one-time code from `feedback-hq enroll` for this terminal's\n"
         "credentials (kept in DIR/sync-credentials.json, mode 0600), takes the store\n"
         "and terminal codes head office assigns, and pulls the configuration. With\n"
         "--ca, head office's certificate is checked against that CA (copied into DIR);\n"
         "without it, against the system's trusted CAs. Enrolled already, it sends its\n"
         "current token, which head office needs to enrol it again (in its own store\n"
         "only); without it, head office must make a replacement code\n"
         "(feedback-hq enroll --replace DEVICE_ID).",
         {data_dir_option(),
          {"server", Arity::value, Presence::required, "URL", "head office, e.g. https://hq.example:8443"},
          {"code", Arity::value, Presence::required, "CODE", "the one-time enrolment code"},
          {"ca", Arity::value, Presence::optional, "FILE", "the CA certificate that signed head office's"}}},
        {"sync", "send unsent events to head office and pull configuration and store events",
         "With --once: uploads the whole backlog (a few quick retries on network\n"
         "errors, 5xx and 429), pulls the configuration and other terminals' events of\n"
         "this store, prints what it did, and exits 0 only when every event was\n"
         "acknowledged. Without --once: runs the background uploader until SIGTERM.\n"
         "Nothing unacknowledged is ever deleted; refused events are quarantined with\n"
         "head office's reason.",
         {data_dir_option(), {"once", Arity::flag, Presence::optional, "", "one pass, then exit"}}},
        {"note-exit", "note why the kiosk stopped (systemd's stop hook)",
         "Run by the kiosk's unit as ExecStopPost=: reads $SERVICE_RESULT, $EXIT_CODE and\n"
         "$EXIT_STATUS (or the options), counts the stops systemd did not ask for and\n"
         "keeps the last reason in DIR/kiosk-exits.json; the uploader reports both to\n"
         "head office (its devices page).",
         {data_dir_option(),
          {"result", Arity::value, Presence::optional, "RESULT", "instead of $SERVICE_RESULT (success, watchdog, ...)"},
          {"code", Arity::value, Presence::optional, "CODE", "instead of $EXIT_CODE (exited, killed, dumped)"},
          {"status", Arity::value, Presence::optional, "STATUS", "instead of $EXIT_STATUS (a number or a signal)"}}},
        app::run_command(),
        session_command(),
        touch_properties_command(),
    }};
}

Result<store::LocalStore> open_store(const cli::ParsedOptions& options, store::OpenIntent intent)
{
    store::StoreOptions store_options;
    store_options.intent = intent;
    return store::LocalStore::open(*options.value("data-dir"), store_options);
}

// Messages may quote head office's answers and what was typed: escaped, so
// no control character reaches the terminal or the log that shows them.
std::string shown(std::string_view text) { return escape_control_characters(text); }

int fail(std::ostream& err, const Error& error)
{
    err << tool << ": " << shown(error.message) << "\n";
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
            err << tool << ": line " << line_number << ": " << shown(recorded.error().message) << "\n";
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
        out << "  " << std::left << std::setw(34) << type << count << "\n";
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
    auto done = store->for_each_event([&](const Event& stored) {
        const Event event = without_personal_fields(stored);
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
    auto report = store->apply_retention(now_utc_ms(), static_cast<int>(days->value_or(default_contact_retention_days)));
    if (!report)
        return fail(err, report.error());
    out << "erased contact details of " << report->complaints_erased << " complaints (" << report->events_erased
        << " events)\n";
    return exit_ok;
}

// [SECTION] note-exit

int note_exit_command(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto from_env = [](const char* name) {
        const char* value = std::getenv(name);
        return std::string(value ? value : "");
    };
    std::string result = options.value_or("result", from_env("SERVICE_RESULT"));
    if (result.empty()) {
        err << tool << " note-exit: no $SERVICE_RESULT (systemd sets it for ExecStopPost=) and no --result\n";
        return exit_usage;
    }
    auto noted = sync::note_exit(*options.value("data-dir"), result, options.value_or("code", from_env("EXIT_CODE")),
                                 options.value_or("status", from_env("EXIT_STATUS")), now_utc_ms());
    if (!noted) {
        if (noted.error().kind == ErrorKind::invalid_input) {
            err << tool << " note-exit: " << noted.error().message << "\n";
            return exit_usage;
        }
        return fail(err, noted.error());
    }
    out << "noted: " << noted->last_exit << "; " << noted->restarts << " stop" << (noted->restarts == 1 ? "" : "s")
        << " not asked for so far\n";
    return exit_ok;
}

// [SECTION] hash-pin

int print_pin_hash(std::istream& in, std::ostream& out, std::ostream& err)
{
    std::string pin;
    std::getline(in, pin);
    if (!pin.empty() && pin.back() == '\r')
        pin.pop_back();
    if (!config::is_valid_pin(pin)) // the PIN itself is never echoed
        return fail(err, Error{ErrorKind::invalid_input,
                               "a PIN must be 4 to 8 digits, given as one line on standard input"});
    auto hash = config::hash_pin(pin);
    if (!hash)
        return fail(err, hash.error());
    out << *hash << "\n";
    return exit_ok;
}

// [SECTION] enroll, sync (head office; sync/PROTOCOL.md)

sync::SessionOptions session_options()
{
    sync::SessionOptions options;
    options.app_version = FEEDBACK_VERSION;
    return options;
}

int enroll(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    sync::init_transport();
    auto store = open_store(options, store::OpenIntent::create_if_missing);
    if (!store)
        return fail(err, store.error());
    std::filesystem::path data_dir = *options.value("data-dir");
    auto enrolled = sync::enrol(data_dir, *store, *options.value("server"), *options.value("code"),
                                options.value_or("ca", ""), session_options());
    if (!enrolled)
        return fail(err, enrolled.error());
    out << "enrolled as terminal " << enrolled->store_code << "-" << enrolled->terminal_code << " (\""
        << shown(enrolled->name) << "\", device " << store->device().device_id << ")\n";
    auto credentials = sync::load_credentials(data_dir);
    if (!credentials || !*credentials)
        return fail(err, credentials ? Error{ErrorKind::io, "the credentials were not saved"} : credentials.error());
    sync::SyncSession session(data_dir, *store, **credentials, session_options());
    auto config = session.pull_config();
    if (!config)
        return fail(err, Error{config.error().kind, "enrolled, but the configuration could not be pulled: " +
                                                        config.error().message});
    if (config->kind == sync::ConfigPull::Kind::updated)
        out << "configuration version " << config->version << " saved in "
            << (data_dir / sync::config_file_name).string() << "\n";
    else
        out << "head office has published no configuration yet; the terminal keeps its own\n";
    return exit_ok;
}

int sync_once(const std::filesystem::path& data_dir, store::LocalStore& store, const sync::Credentials& credentials,
              std::ostream& out, std::ostream& err)
{
    // A person (or a script) is waiting: a few quick retries, then give up
    // and leave everything for the next run or the background uploader.
    constexpr int max_retries = 5;
    constexpr auto longest_wait = std::chrono::seconds(60);
    sync::SyncSession session(data_dir, store, credentials, session_options());
    sync::Backoff backoff({std::chrono::milliseconds(500), std::chrono::milliseconds(8000)});
    int batches = 0, acknowledged = 0, duplicates = 0, quarantined = 0;
    bool complete = true;
    for (;;) {
        sync::UploadStep step = session.upload_next();
        if (step.kind == sync::UploadStep::Kind::nothing_to_send)
            break;
        if (step.kind == sync::UploadStep::Kind::unauthorized || step.kind == sync::UploadStep::Kind::untrusted) {
            err << tool << " sync: " << shown(step.message) << "\n";
            complete = false;
            break;
        }
        if (step.kind == sync::UploadStep::Kind::retry) {
            if (backoff.failures() >= max_retries) {
                err << tool << " sync: gave up after " << max_retries + 1 << " tries: " << shown(step.message)
                    << " (every event is kept for the next sync)\n";
                complete = false;
                break;
            }
            auto delay = backoff.next_delay(step.retry_after);
            if (delay > longest_wait) {
                err << tool << " sync: head office asked to wait " << delay.count() / 1000
                    << " s; stopping here (every event is kept)\n";
                complete = false;
                break;
            }
            err << tool << " sync: " << shown(step.message) << "; retrying in " << delay.count() << " ms\n";
            std::this_thread::sleep_for(delay);
            continue;
        }
        backoff.reset();
        if (step.kind == sync::UploadStep::Kind::resized) {
            err << tool << " sync: " << shown(step.message) << "; sending smaller batches\n";
            continue;
        }
        ++batches;
        acknowledged += step.acknowledged;
        duplicates += step.duplicates;
        quarantined += step.quarantined;
        if (step.kind == sync::UploadStep::Kind::quarantined)
            err << tool << " sync: " << shown(step.message) << "\n";
    }
    out << "uploaded " << counted(batches, "batch", "batches") << ": " << counted(acknowledged, "event", "events")
        << " acknowledged (" << duplicates << " already at head office), " << quarantined << " quarantined\n";
    if (quarantined > 0)
        complete = false;
    if (complete) {
        auto config = session.pull_config();
        auto feed = config ? session.pull_feed() : Result<sync::FeedPull>(config.error());
        if (!feed) {
            err << tool << " sync: pulling from head office: " << shown(feed.error().message) << "\n";
            complete = false;
        } else {
            if (config->kind == sync::ConfigPull::Kind::updated)
                out << "configuration: version " << config->version << " saved\n";
            else
                out << "configuration: "
                    << (config->kind == sync::ConfigPull::Kind::unchanged ? "unchanged" : "none published") << "\n";
            out << "store feed: " << counted(feed->inserted, "new event", "new events")
                << " from other terminals of this store\n";
        }
    }
    auto backlog = store.outbox_size();
    if (!backlog)
        return fail(err, backlog.error());
    out << "backlog " << *backlog << "\n";
    return complete && *backlog == 0 ? exit_ok : exit_failed;
}

int sync_command(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    sync::init_transport();
    std::filesystem::path data_dir = *options.value("data-dir");
    auto store = open_store(options, store::OpenIntent::existing_only);
    if (!store)
        return fail(err, store.error());
    auto credentials = sync::load_credentials(data_dir);
    if (!credentials)
        return fail(err, credentials.error());
    if (!*credentials)
        return fail(err, Error{ErrorKind::not_found, "this terminal is not enrolled: run " + std::string(tool) +
                                                         " enroll first"});
    if (options.flag("once"))
        return sync_once(data_dir, *store, **credentials, out, err);

    // In the foreground until SIGTERM or SIGINT: the background uploader the kiosk runs.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    sync::UploaderOptions uploader_options;
    uploader_options.session = session_options();
    sync::Uploader uploader(data_dir, store::outbox_opener(data_dir), uploader_options);
    uploader.start();
    out << "syncing in the background until SIGTERM or SIGINT\n" << std::flush;
    int received = 0;
    sigwait(&stop_signals, &received);
    uploader.stop();
    auto status = uploader.status();
    out << "stopped: " << status.acknowledged_this_run << " events acknowledged, " << status.quarantined_this_run
        << " quarantined, backlog " << status.backlog
        << (status.last_error.empty() ? std::string() : ", last error: " + status.last_error) << "\n";
    return exit_ok;
}

// [SECTION] run (the kiosk)

// The kiosk links SDL and some fifty libraries; the other commands start
// faster without them (the crash test kills `record` at random moments), so
// `run` hands over to feedback-kiosk from this program's folder, with the
// options already checked.
int exec_kiosk(std::span<const std::string> args, std::ostream& err)
{
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    const auto kiosk = (error ? std::filesystem::path() : self.parent_path()) / "feedback-kiosk";
    std::vector<std::string> argv{kiosk.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    for (std::string& arg : argv)
        pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    std::cout.flush();
    std::cerr.flush();
    execv(pointers[0], pointers.data());
    err << tool << " run: cannot start " << kiosk.string() << " (" << std::strerror(errno)
        << "); it is built and installed next to " << tool << "\n";
    return exit_failed;
}

} // namespace

int run_cli(std::span<const std::string> args, std::istream& in, std::ostream& out, std::ostream& err)
{
    auto all = commands();
    cli::Tool about{tool, FEEDBACK_VERSION, "The offline-first customer-feedback terminal."};
    auto invocation = cli::dispatch(about, all, args, out, err);
    if (const int* exit_code = std::get_if<int>(&invocation))
        return *exit_code;
    auto& [command, options] = std::get<cli::Invocation>(invocation);
    if (command->name == "record")
        return record(options, in, out, err);
    if (command->name == "status")
        return status(options, out, err);
    if (command->name == "export")
        return export_events(options, out, err);
    if (command->name == "init")
        return init(options, out, err);
    if (command->name == "hash-pin")
        return print_pin_hash(in, out, err);
    if (command->name == "enroll")
        return enroll(options, out, err);
    if (command->name == "sync")
        return sync_command(options, out, err);
    if (command->name == "run")
        return exec_kiosk(args.subspan(1), err);
    if (command->name == "note-exit")
        return note_exit_command(options, out, err);
    if (command->name == "session")
        return run_session(options, out, err);
    if (command->name == "touch-properties")
        return print_touch_properties(options, out, err);
    return retention(options, out, err);
}

} // namespace feedback::terminal
