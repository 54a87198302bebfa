// The feedback-hq subcommands. Each does one job and says what went wrong in
// words a person can act on; nothing personal is printed to standard error.
#include "commands.h"

#include "api/token_commands.h"
#include "backup.h"
#include "certificates.h"
#include "common/setup_file.h"
#include "crypto/certificate_fingerprint.h"
#include "device_flags.h"
#include "cli/options.h"
#include "domain/clock.h"
#include "domain/event_csv.h"
#include "domain/refcode.h"
#include "domain/text_escape.h"
#include "files/private_files.h"
#include "hq_settings.h"
#include "hq_store.h"
#include "contact_keys.h"
#include "retention_worker.h"
#include "mail/mail_worker.h"
#include "migrate.h"
#include "server.h"
#include "sql/connection.h"
#include "web/assets.h"
#include "web/dashboard.h"
#include "web/text.h"
#include "web/user_commands.h"

#include <array>
#include <csignal>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <iostream>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace feedback::hq {

namespace {

constexpr const char* tool = "feedback-hq";
using cli::exit_failed;
using cli::exit_ok;
using cli::exit_usage;

cli::OptionSpec dir_option()
{
    return {"dir", cli::Arity::value, cli::Presence::required, "DIR", "head office's folder (hq.db, hq.json, tls/)"};
}

cli::OptionSpec key_dir_option()
{
    return {"key-dir", cli::Arity::value, cli::Presence::optional, "KEYDIR",
            "where the contact key file goes, OUTSIDE DIR (default: DIR's name with -keys beside it, "
            "e.g. /var/lib/feedback-hq-keys)"};
}

std::array<cli::Command, 14> commands()
{
    using cli::Arity;
    using cli::Presence;
    return {{
        {"init", "create the database, settings, and a private CA with a server certificate",
         "Creates DIR (if needed), DIR/hq.db (SQLite, WAL), DIR/hq.json (limits and\n"
         "defaults) and, unless DIR/tls/server.pem and server.key are already there, a\n"
         "private CA (DIR/tls/ca.pem) and a server certificate for HOSTNAME signed by it.\n"
         "Give ca.pem to terminals: feedback-terminal enroll ... --ca ca.pem.\n"
         "Also makes the contact key that customers' contact details are sealed to: its\n"
         "file goes to KEYDIR, outside DIR (hq.json names it). Back it up apart from DIR:\n"
         "without it no contact detail can be read again.\n"
         "With --database, the data goes to that PostgreSQL 15 database instead of\n"
         "DIR/hq.db (its URL is kept in hq.json, mode 0600); the tables are made on first\n"
         "use, and every other command works the same.",
         {dir_option(), key_dir_option(),
          {"database", Arity::value, Presence::optional, "URL",
           "a PostgreSQL database, postgresql://USER@HOST/NAME (default: SQLite in DIR/hq.db)"},
          {"hostname", Arity::value, Presence::optional, "NAME",
           "the name terminals use to reach head office (default localhost, which also covers 127.0.0.1)"}}},
        {"serve", "serve terminals over HTTPS until SIGTERM",
         "HTTPS only (TLS 1.2 or newer). Prints \"listening on https://HOST:PORT\" once\n"
         "ready, then one line per request (no personal data). SIGTERM or SIGINT stops\n"
         "it cleanly: requests in flight are finished first. The web dashboard is on the\n"
         "same port, at https://HOST:PORT/ (feedback-hq user add makes its first admin).\n"
         "SIGHUP reads the certificate again (DIR/tls/server.pem and server.key, or the\n"
         "files hq.json names in \"tls\": {\"certificate\", \"key\"}, certbot's for example):\n"
         "new connections get it, open ones are not dropped.",
         {dir_option(),
          {"listen", Arity::value, Presence::optional, "HOST:PORT",
           "where to listen (default from hq.json: 0.0.0.0:8443); port 0 picks a free one"}}},
        {"enroll", "make a one-time enrolment code for a terminal",
         "Prints a code to type into feedback-terminal enroll --code. It works once and\n"
         "expires (hq.json: enrol_code_ttl_hours, default 72). A terminal head office\n"
         "knows re-enrols only with a code of its own store while it still has its\n"
         "credentials; one that lost them, or was revoked, comes back only with a\n"
         "replacement code (--replace), which works for that device alone. A terminal\n"
         "never moves to another store. It also prints the fingerprint of head office's\n"
         "own CA, which the kiosk's setup screen shows: staff compare the two before\n"
         "the kiosk trusts it. --setup-file writes the code, head office's address and\n"
         "its CA into a file for a USB stick (mode 0600; the kiosk looks for the name\n"
         "feedback-setup.json on a stick, and a folder given gets a file of that name).",
         {dir_option(),
          {"store", Arity::value, Presence::required, "CODE", "the store's code, 3 symbols (e.g. UTR)"},
          {"name", Arity::value, Presence::required, "NAME", "what to call this terminal (e.g. \"Counter 2\")"},
          {"replace", Arity::value, Presence::optional, "DEVICE_ID",
           "a replacement code for this enrolled device of the store (see devices): it gets a new token, its old "
           "one stops working, and a revocation is lifted"},
          {"setup-file", Arity::value, Presence::optional, "FILE",
           "also write a setup file for the kiosk's USB setup (a folder: FOLDER/feedback-setup.json)"},
          {"server", Arity::value, Presence::optional, "URL",
           "head office's address as kiosks reach it, for the setup file (default: hq.json's public_url, else "
           "https://<hostname>:<port of listen>)"}}},
        {"devices", "list enrolled terminals and their health",
         "Store, terminal code, last contact, events received, last reported backlog,\n"
         "clock offset (head office minus terminal), app version, the condition it last\n"
         "reported (uptime, disk, store size, bytes written, system, screen) and what\n"
         "needs a person (low_disk, clock_off).",
         {dir_option(), {"json", Arity::flag, Presence::optional, "", "print JSON instead of text"}}},
        {"revoke", "stop accepting a terminal's uploads",
         "Its token is refused from now on (401); the terminal keeps its data until it\n"
         "is enrolled again.",
         {dir_option(), {"device", Arity::value, Presence::required, "ID", "the device id (see devices)"}}},
        // Listed for the overview; run_cli hands "user ..." to the web module's own commands.
        {"user", "the web dashboard's users: add, list, role, disable, enable, password",
         "feedback-hq user add --dir DIR --name NAME --role viewer|manager|admin [--password-stdin]\n"
         "See feedback-hq user --help.",
         {}},
        // Listed for the overview; run_cli hands "token ..." to the intake API's own commands.
        {"token", "the intake API's tokens (sync/API.md): add, list, revoke",
         "feedback-hq token add --dir DIR --name NAME   prints a token once\n"
         "See feedback-hq token --help.",
         {}},
        {"export", "write every event received, each exactly once",
         "In head office's arrival order. Personal fields (contact details) are left out;\n"
         "texts erased on request read \"[erased]\".",
         {dir_option(),
          {"format", Arity::value, Presence::required, "jsonl|csv", "one JSON object per line, or CSV with a header"},
          {"since", Arity::value, Presence::optional, "TIME",
           "only events received at or after TIME (2026-11-24 or 2026-11-24T09:30:00Z)"}}},
        {"backup", "copy the database while head office keeps serving",
         "An online, consistent copy of DIR/hq.db (one snapshot; uploads go on meanwhile),\n"
         "checked with SQLite's quick_check and written to disk before it takes its name.\n"
         "Give --to FILE (a new file), or --into FOLDER to name it hq-<UTC time>.db there\n"
         "and keep only the newest --keep backups (what the systemd timer runs). Backups\n"
         "hold what DIR holds (contact details sealed: the key file is not in them, so\n"
         "back it up apart): they are 0600; keep them as safe as DIR.",
         {dir_option(),
          {"to", Arity::value, Presence::optional, "FILE", "the backup file to make (it must not exist)"},
          {"into", Arity::value, Presence::optional, "FOLDER", "a folder of timed backups"},
          {"keep", Arity::value, Presence::optional, "N", "with --into: how many backups to keep (default 14)"}}},
        {"rotate-contact-key", "make a new contact key; the older ones keep opening what was sealed to them",
         "Makes a new key pair in KEYDIR (default: the folder of the current key) and\n"
         "names it first in hq.json's contact_keys. Terminals get its public half with\n"
         "their next configuration pull and seal to it from then on; head office opens\n"
         "values of every key hq.json names. Keep the older key files while data sealed\n"
         "to them is kept. A running serve needs no restart.",
         {dir_option(), key_dir_option()}},
        {"erase", "erase a customer's personal data on request (GDPR article 17)",
         "Erases the contact details of the complaint with this reference code from\n"
         "every event about it at head office, and with --texts its free texts too\n"
         "(description, wish, comments, notes read \"[erased]\"); what the figures need\n"
         "(category, times, outcome, amounts) stays. Records complaint.erased, which\n"
         "reaches the store's terminals through the feed, and they erase their copies.\n"
         "Messages not yet sent to the customer are dropped. Backups made before keep\n"
         "the old data until they are rotated out (feedback-hq backup --keep).",
         {dir_option(),
          {"reference", Arity::value, Presence::required, "CODE", "the complaint's reference code (UTR-K2-0007X)"},
          {"texts", Arity::flag, Presence::optional, "", "also erase the free texts"}}},
        {"retention", "erase contact details nobody needs any more (serve does it every hour)",
         "Contact details of complaints closed, and of call-back requests followed up,\n"
         "at least DAYS ago (default: hq.json's contact_retention_days, 30) are erased.",
         {dir_option(), {"days", Arity::value, Presence::optional, "DAYS", "0 to 3650"}}},
        {"restore", "put a backup back as head office's database",
         "Checks FILE, then replaces DIR/hq.db with it and brings its schema up to this\n"
         "version. Head office must be stopped (systemctl stop feedback-hq); the database\n"
         "it replaces is kept beside it as hq.db.replaced-<UTC time>. DIR keeps its\n"
         "hq.json and tls/ (on a new machine: feedback-hq init first).",
         {dir_option(), {"from", Arity::value, Presence::required, "FILE", "the backup to restore"}}},
        {"migrate", "move head office from DIR/hq.db into an empty PostgreSQL database",
         "Stop head office first (systemctl stop feedback-hq): migrate refuses while serve\n"
         "runs. Copies every table of DIR/hq.db (one consistent snapshot) into URL, a\n"
         "PostgreSQL 15 database holding no head-office data, in one transaction; the\n"
         "dashboard's figures are not copied but made again from the events. Then counts\n"
         "and hashes every table on both sides and prints them with a SHA-256 of the\n"
         "event ids in arrival order. Only when both sides are the same does it commit\n"
         "and write URL into hq.json (\"database\"): from then on every command of DIR\n"
         "uses PostgreSQL. DIR/hq.db is only read, and stays as it was (no longer used).\n"
         "Any difference or error: nothing is committed and hq.json is left as it was.",
         {dir_option(),
          {"to", Arity::value, Presence::required, "URL",
           "the PostgreSQL database, postgresql://USER@HOST/NAME (its tables are made if missing)"}}},
    }};
}

std::filesystem::path dir_of(const cli::ParsedOptions& options) { return *options.value("dir"); }

// Messages may quote stored names and what was typed: escaped (text_escape.h).
int fail(std::ostream& err, std::string_view command, const Error& error)
{
    err << tool << " " << command << ": " << escape_control_characters(error.message) << "\n";
    return exit_failed;
}

Result<HqStore> open_existing(const cli::ParsedOptions& options)
{
    return HqStore::open(dir_of(options), HqStore::Intent::existing_only);
}

// [SECTION] Contact keys

// Makes sure hq.db's current contact key is hq.json's first one: a new key
// (in `key_dir`, else beside DIR) when hq.json names none, as after an
// update from a version without keys. The words for the log.
Result<std::string> ensure_contact_key(const std::filesystem::path& dir, HqStore& store,
                                       std::optional<std::filesystem::path> key_dir)
{
    auto settings = load_settings(dir);
    FEEDBACK_TRY(settings);
    if (settings->contact_keys.empty()) {
        auto folder = key_dir.value_or(default_contact_key_dir(dir));
        auto made = make_contact_key(dir, folder, now_utc_ms());
        FEEDBACK_TRY(made);
        FEEDBACK_TRY(store.add_contact_key(*made, now_utc_ms()));
        return "made contact key " + made->id + " in " + folder.string() + " (back it up apart from " +
               dir.string() + ")";
    }
    auto ring = ContactKeyring::load(dir);
    FEEDBACK_TRY(ring);
    auto recorded = store.contact_key();
    FEEDBACK_TRY(recorded);
    if (!*recorded || (*recorded)->id != ring->current().id)
        FEEDBACK_TRY(store.add_contact_key(ring->current(), now_utc_ms()));
    return "contact key " + ring->current().id;
}

int rotate_contact_key(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto dir = dir_of(options);
    auto store = open_existing(options);
    if (!store)
        return fail(err, "rotate-contact-key", store.error());
    auto settings = load_settings(dir);
    if (!settings)
        return fail(err, "rotate-contact-key", settings.error());
    std::filesystem::path folder = options.value("key-dir")
                                       ? std::filesystem::path(*options.value("key-dir"))
                                       : settings->contact_keys.empty() ? default_contact_key_dir(dir)
                                                                        : settings->contact_keys.front().parent_path();
    auto made = make_contact_key(dir, folder, now_utc_ms());
    if (!made)
        return fail(err, "rotate-contact-key", made.error());
    if (auto recorded = store->add_contact_key(*made, now_utc_ms()); !recorded)
        return fail(err, "rotate-contact-key", recorded.error());
    out << "contact key " << made->id << " is current (its file is in " << folder.string()
        << "); terminals get it with their next configuration pull\n";
    return exit_ok;
}

// [SECTION] erase, retention

int erase(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto reference = parse_refcode(*options.value("reference"));
    if (!reference) {
        err << tool << " erase: --reference: " << reference.error().message << "\n";
        return exit_usage;
    }
    auto store = open_existing(options);
    if (!store)
        return fail(err, "erase", store.error());
    auto found = store->find_complaint(*reference);
    if (!found)
        return fail(err, "erase", found.error());
    if (!*found)
        return fail(err, "erase", Error{ErrorKind::not_found, "head office has no complaint " + *reference +
                                                                  "; nothing was erased"});
    const bool texts = options.flag("texts");
    auto erased = store->erase_complaint((*found)->complaint_id, texts, "hq:command-line", now_utc_ms());
    if (!erased)
        return fail(err, "erase", erased.error());
    out << "erased the contact details" << (texts ? " and free texts" : "") << " of complaint " << *reference
        << " (" << erased->events << " events); its store's terminals erase theirs when they next pull\n";
    return exit_ok;
}

int retention(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto days = options.integer("days", 0, 3650);
    if (!days) {
        err << tool << " retention: " << days.error().message << "\n";
        return exit_usage;
    }
    auto settings = load_settings(dir_of(options));
    if (!settings)
        return fail(err, "retention", settings.error());
    auto store = open_existing(options);
    if (!store)
        return fail(err, "retention", store.error());
    const int kept_days = static_cast<int>(days->value_or(settings->contact_retention_days));
    auto report = store->apply_retention(now_utc_ms(), kept_days);
    if (!report)
        return fail(err, "retention", report.error());
    out << "erased the contact details of " << report->subjects << " complaints and call-back requests older than "
        << kept_days << " days (" << report->events << " events)\n";
    return exit_ok;
}

// [SECTION] init

int init(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto dir = dir_of(options);
    std::error_code ec;
    // Keys, tokens' hashes and customers' contact details: head office's user
    // only (an existing folder is made private when the store opens it).
    if (auto made = files::make_private_directory(dir); !made)
        return fail(err, "init", made.error());
    for (const char* name : {database_file_name, settings_file_name})
        if (std::filesystem::exists(dir / name, ec))
            return fail(err, "init", Error{ErrorKind::conflict, dir.string() + " already holds a head office (" +
                                                                    name + "); nothing was changed"});
    HqSettings settings;
    settings.hostname = options.value_or("hostname", "localhost");
    settings.database = options.value_or("database", "");
    if (!settings.database.empty() && !sql::is_postgresql_url(settings.database)) {
        err << tool << " init: --database must be a postgresql:// URL (got \""
            << escape_control_characters(sql::without_password(settings.database)) << "\")\n";
        return exit_usage;
    }
    if (!settings.database.empty()) {
        auto reached = sql::open_postgresql(settings.database);
        if (!reached)
            return fail(err, "init", Error{reached.error().kind, "cannot reach the database " +
                                                                     sql::without_password(settings.database) + ": " +
                                                                     reached.error().message + "; nothing was changed"});
    }
    auto files = tls_files(dir);
    bool have_certificate = std::filesystem::exists(files.server_certificate, ec) &&
                            std::filesystem::exists(files.server_key, ec);
    if (!have_certificate) {
        auto made = make_private_ca(dir, settings.hostname);
        if (!made)
            return fail(err, "init", made.error());
    }
    if (auto saved = save_settings(dir, settings); !saved)
        return fail(err, "init", saved.error());
    auto store = HqStore::open(dir, HqStore::Intent::create);
    if (!store)
        return fail(err, "init", store.error());
    auto key_dir = options.value("key-dir");
    auto key = ensure_contact_key(dir, *store, key_dir ? std::optional<std::filesystem::path>(*key_dir) : std::nullopt);
    if (!key)
        return fail(err, "init", key.error());
    out << "database        "
        << (settings.database.empty() ? (dir / database_file_name).string() : sql::without_password(settings.database))
        << "\n";
    out << "settings        " << (dir / settings_file_name).string() << "\n";
    out << "contact key     " << *key << "\n";
    if (have_certificate) {
        out << "certificate     " << files.server_certificate.string() << " (kept as found)\n";
    } else {
        out << "server cert     " << files.server_certificate.string() << " for " << settings.hostname << "\n";
        out << "CA certificate  " << files.ca_certificate.string() << "\n";
        out << "give the CA certificate to terminals: feedback-terminal enroll ... --ca "
            << files.ca_certificate.string() << "\n";
    }
    return exit_ok;
}

// [SECTION] serve

int serve(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto dir = dir_of(options);
    auto settings = load_settings(dir);
    if (!settings)
        return fail(err, "serve", settings.error());
    auto address = parse_listen_address(options.value_or("listen", settings->listen));
    if (!address) {
        err << tool << " serve: " << address.error().message << "\n";
        return exit_usage;
    }
    // Block SIGTERM and SIGINT before any thread starts, so every thread
    // inherits the mask and only the waiter below receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGHUP); // not a stop: the certificate is read again
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN); // a terminal that hangs up mid-answer is not a reason to die

    // The web dashboard (sync/hq/web/) on the same port.
    // Held while serving: a restore waits for head office to stop.
    auto serving = ServeLock::take(dir, ServeLock::Kind::shared);
    if (!serving)
        return fail(err, "serve", serving.error());
    // Contact details: a key to seal to (one is made on the first start of a
    // version that has keys), and whatever an older version stored in the clear sealed now.
    {
        auto store = HqStore::open(dir, HqStore::Intent::existing_only);
        if (!store)
            return fail(err, "serve", store.error());
        auto key = ensure_contact_key(dir, *store, std::nullopt);
        if (!key)
            return fail(err, "serve", key.error());
        auto sealed = store->seal_clear_contacts();
        if (!sealed)
            return fail(err, "serve", sealed.error());
        out << tool << ": " << *key << (*sealed > 0 ? "; sealed the contact details of " + std::to_string(*sealed) +
                                                          " events stored in the clear by an older version"
                                                    : std::string())
            << std::endl;
        settings = load_settings(dir); // with the key it may have named
        if (!settings)
            return fail(err, "serve", settings.error());
    }
    const HqSettings& loaded = *settings;
    WriterTurns* writer_turns_of_server = nullptr;
    auto server = HqServer::create(
        dir, loaded, out,
        [&dir, &writer_turns_of_server](httplib::Server& http, WriterTurns& writer_turns, const HqSettings& live) {
            writer_turns_of_server = &writer_turns;
            return web::mount_dashboard(http, dir, live, writer_turns);
        });
    if (!server)
        return fail(err, "serve", server.error());
    auto port = (*server)->bind(*address);
    if (!port)
        return fail(err, "serve", port.error());
    // The mail to complainants (sync/hq/mail/), with links to this server.
    auto labels = web::load_dashboard_text();
    if (!labels)
        return fail(err, "serve", labels.error());
    auto template_config = web::embedded_asset("config/default.json");
    mail::PlanContext mail_context{public_url_or_default(loaded, *port),
                                   [&labels](std::string_view locale, std::string_view key) {
                                       std::string language = labels->has(locale, key) ? std::string(locale) : std::string("en");
                                       return labels->tr(language, key);
                                   },
                                   template_config ? nlohmann::json::parse(*template_config, nullptr, false)
                                                   : nlohmann::json()};
    // Alerts to head office's people, in the chain's language (the template configuration's).
    mail::AlertContext alert_context;
    alert_context.public_url = mail_context.public_url;
    alert_context.fallback_config = mail_context.fallback_config;
    const std::string chain_locale = mail_context.fallback_config.is_object()
                                         ? mail_context.fallback_config.value("default_locale", std::string("nl"))
                                         : std::string("nl");
    alert_context.text = [&labels, chain_locale](std::string_view key, const std::map<std::string, std::string>& values) {
        return labels->format(labels->has(chain_locale, key) ? chain_locale : std::string("en"), key, values);
    };
    auto mailer = mail::MailWorker::start(dir, loaded.mail, std::move(mail_context), std::move(alert_context),
                                          *writer_turns_of_server, out);
    if (!mailer)
        return fail(err, "serve", mailer.error());
    auto retention_worker = RetentionWorker::start(dir, loaded.contact_retention_days, *writer_turns_of_server, out);
    if (!retention_worker)
        return fail(err, "serve", retention_worker.error());
    std::string shown_host = address->host.find(':') != std::string::npos ? "[" + address->host + "]" : address->host;
    out << tool << ": listening on https://" << shown_host << ":" << *port << std::endl;

    HqServer& running = **server;
    std::thread waiter([&running, stop_signals, &out] {
        for (;;) {
            int received = 0;
            sigwait(&stop_signals, &received);
            if (received != SIGHUP)
                break;
            // A renewed certificate (certbot's deploy hook, systemctl reload).
            auto reloaded = running.reload_certificate();
            out << tool << (reloaded ? ": certificate read again; new connections get it"
                                     : ": kept the certificate in use: " + escape_control_characters(reloaded.error().message))
                << std::endl;
        }
        running.stop();
    });
    auto served = running.run();
    mailer->reset(); // finishes its round while the server's writer turns still exist
    retention_worker->reset();
    // Wake the waiter if the server stopped on its own.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    out << tool << ": stopped" << std::endl;
    if (!served)
        return fail(err, "serve", served.error());
    return exit_ok;
}

// [SECTION] enroll, devices, revoke

// --server, else the address head office's links use.
std::string server_address(const cli::ParsedOptions& options, const HqSettings& settings)
{
    if (auto server = options.value("server"))
        return *server;
    auto listen = parse_listen_address(settings.listen);
    return public_url_or_default(settings, listen ? listen->port : 443);
}

// The USB stick's setup file (sync/common/setup_file.h), mode 0600.
Result<std::filesystem::path> write_setup_file(const std::filesystem::path& place, const EnrolmentCode& code,
                                               const std::string& ca_pem, const std::string& server)
{
    auto url = sync::normalise_server_address(server);
    if (!url)
        return Error{url.error().kind, "--server: " + url.error().message};
    std::error_code error;
    const std::filesystem::path file =
        std::filesystem::is_directory(place, error) ? place / sync::setup_file_name : place;
    const sync::SetupFile setup{*url, code.code, code.store_code, code.name, code.expires_at, ca_pem};
    auto written = files::write_private_file(file, sync::to_json_text(setup), files::Durability::synced);
    if (!written)
        return Error{written.error().kind, "cannot write the setup file " + file.string() + ": " +
                                               written.error().message};
    return file;
}

int enroll(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto settings = load_settings(dir_of(options));
    if (!settings)
        return fail(err, "enroll", settings.error());
    auto store = open_existing(options);
    if (!store)
        return fail(err, "enroll", store.error());
    const std::string ca_pem = own_ca_certificate(dir_of(options), *settings);
    std::string fingerprint;
    if (!ca_pem.empty()) {
        auto printed = crypto::certificate_fingerprint(ca_pem);
        if (!printed)
            return fail(err, "enroll", Error{printed.error().kind, "the CA certificate in tls/ca.pem: " +
                                                                       printed.error().message});
        fingerprint = *printed;
    }
    // Checked before a code is made, so that a typo makes no stray code.
    const std::string server = server_address(options, *settings);
    if (options.value("setup-file"))
        if (auto url = sync::normalise_server_address(server); !url)
            return fail(err, "enroll", Error{url.error().kind, "--server: " + url.error().message});
    auto code = store->create_enrolment_code(*options.value("store"), *options.value("name"), now_utc_ms(),
                                             settings->enrol_code_ttl_hours * 3600 * 1000,
                                             options.value_or("replace", ""));
    if (!code)
        return fail(err, "enroll", code.error());
    std::optional<std::filesystem::path> setup_file;
    if (auto place = options.value("setup-file")) {
        auto written = write_setup_file(*place, *code, ca_pem, server);
        if (!written)
            return fail(err, "enroll", Error{written.error().kind, written.error().message +
                                                                       " (the code " + code->code +
                                                                       " was made and still works)"});
        setup_file = *written;
    }
    out << code->code << "\n";
    if (!code->replaces_device_id.empty())
        out << "one-time replacement code for device " << code->replaces_device_id << " (\"" << code->name
            << "\") in store " << code->store_code << ", for that device only, valid until "
            << format_utc_iso8601(code->expires_at) << "\n";
    else
        out << "one-time code for \"" << code->name << "\" in store " << code->store_code << ", valid until "
            << format_utc_iso8601(code->expires_at) << "\n";
    if (!fingerprint.empty())
        out << "head office's certificate fingerprint: " << fingerprint
            << " (the kiosk's setup screen shows it: it must be the same)\n";
    if (setup_file)
        out << "setup file written to " << setup_file->string() << " (it holds the code: keep it safe)\n";
    return exit_ok;
}

std::string optional_time(const std::optional<int64_t>& ms)
{
    return ms ? format_utc_iso8601(*ms) : std::string("never");
}

int devices(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto store = open_existing(options);
    if (!store)
        return fail(err, "devices", store.error());
    auto list = store->devices();
    if (!list)
        return fail(err, "devices", list.error());
    auto optional_number = [](const std::optional<int64_t>& value) {
        return value ? nlohmann::json(*value) : nlohmann::json();
    };
    // Names come from whoever typed them, ids and versions from the devices:
    // escaped, in JSON too, so no control character reaches the terminal
    // that shows the list (and the JSON is always valid UTF-8).
    const auto shown = [](std::string_view text) { return escape_control_characters(text); };
    if (options.flag("json")) {
        nlohmann::json json = nlohmann::json::array();
        for (const auto& d : *list)
            json.push_back({{"device_id", shown(d.id)},
                            {"name", shown(d.name)},
                            {"store_code", d.store_code},
                            {"terminal_code", d.terminal_code},
                            {"enrolled_at", format_utc_iso8601(d.enrolled_at)},
                            {"revoked_at", d.revoked_at ? nlohmann::json(format_utc_iso8601(*d.revoked_at))
                                                        : nlohmann::json()},
                            {"left_at", d.left_at ? nlohmann::json(format_utc_iso8601(*d.left_at)) : nlohmann::json()},
                            {"last_seen_at", d.last_seen_at ? nlohmann::json(format_utc_iso8601(*d.last_seen_at))
                                                            : nlohmann::json()},
                            {"events_received", d.events_received},
                            {"last_backlog", optional_number(d.last_backlog)},
                            {"clock_offset_ms", optional_number(d.clock_offset_ms)},
                            {"app_version", shown(d.app_version)},
                            // As it was read and written anew (printable ASCII only).
                            {"condition", d.condition ? nlohmann::json::parse(sync::condition_to_header(*d.condition))
                                                      : nlohmann::json()},
                            {"flags", device_flags(d)},
                            {"screenshot_requested_at", optional_number(d.screenshot_requested_at)},
                            {"screenshot_taken_at", optional_number(d.screenshot_taken_at)},
                            {"screenshot_received_at", optional_number(d.screenshot_received_at)}});
        out << json.dump(2) << "\n";
        return exit_ok;
    }
    if (list->empty()) {
        out << "no terminals enrolled (feedback-hq enroll makes a code)\n";
        return exit_ok;
    }
    for (const auto& d : *list) {
        out << d.store_code << "-" << d.terminal_code << "  " << shown(d.name) << "  (device " << shown(d.id) << ")"
            << (d.left_at      ? "  LEFT ITS STORE " + format_utc_iso8601(*d.left_at)
                : d.revoked_at ? "  REVOKED " + format_utc_iso8601(*d.revoked_at)
                               : std::string())
            << "\n";
        out << "    last seen " << optional_time(d.last_seen_at) << ", events received " << d.events_received
            << ", backlog " << (d.last_backlog ? std::to_string(*d.last_backlog) : "unknown") << ", clock offset "
            << (d.clock_offset_ms ? std::to_string(*d.clock_offset_ms) + " ms" : "unknown") << ", version "
            << (d.app_version.empty() ? "unknown" : shown(d.app_version)) << "\n";
        if (d.condition)
            out << "    condition " << sync::condition_to_header(*d.condition) << "\n";
        for (const std::string& flag : device_flags(d))
            out << "    NEEDS A PERSON: " << flag << "\n";
    }
    return exit_ok;
}

int revoke(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto store = open_existing(options);
    if (!store)
        return fail(err, "revoke", store.error());
    auto done = store->revoke(*options.value("device"), now_utc_ms());
    if (!done)
        return fail(err, "revoke", done.error());
    out << "revoked device " << *options.value("device") << ": its uploads are refused from now on\n";
    return exit_ok;
}

// [SECTION] export

int export_events(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    std::string format = *options.value("format");
    if (format != "jsonl" && format != "csv") {
        err << tool << " export: --format must be jsonl or csv (got \"" << format << "\")\n";
        return exit_usage;
    }
    std::optional<int64_t> since;
    if (auto text = options.value("since")) {
        since = parse_utc_iso8601(*text);
        if (!since) {
            err << tool << " export: --since must be a UTC time like 2026-11-24 or 2026-11-24T09:30:00Z (got \""
                << *text << "\")\n";
            return exit_usage;
        }
    }
    auto store = open_existing(options);
    if (!store)
        return fail(err, "export", store.error());
    if (format == "csv")
        out << csv_header();
    int unreadable = 0;
    auto done = store->for_each_event(since, [&](const std::string& body) {
        auto event = event_from_json(nlohmann::json::parse(body, nullptr, false));
        if (!event)
            ++unreadable;
        else if (format == "jsonl")
            out << to_json(without_personal_fields(std::move(*event))).dump() << "\n";
        else
            out << csv_row(without_personal_fields(std::move(*event)));
    });
    if (!done)
        return fail(err, "export", done.error());
    out.flush();
    if (!out)
        return fail(err, "export", Error{ErrorKind::io, "writing the export failed"});
    if (unreadable > 0)
        return fail(err, "export", Error{ErrorKind::corrupt, std::to_string(unreadable) +
                                                                 " stored events could not be read back"});
    return exit_ok;
}

// [SECTION] backup and restore

std::string megabytes(int64_t bytes)
{
    std::ostringstream text;
    text << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / 1e6 << " MB";
    return text.str();
}

int backup_command(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto to = options.value("to");
    auto into = options.value("into");
    if (to.has_value() == into.has_value()) {
        err << tool << " backup: give either --to FILE or --into FOLDER\n";
        return exit_usage;
    }
    if (options.value("keep") && !into) {
        err << tool << " backup: --keep goes with --into\n";
        return exit_usage;
    }
    auto keep = options.integer("keep", 1, 10000);
    if (!keep) {
        err << tool << " backup: " << escape_control_characters(keep.error().message) << "\n";
        return exit_usage;
    }
    auto made = to ? backup(dir_of(options), *to)
                   : backup_into(dir_of(options), *into, static_cast<int>(keep->value_or(14)), now_utc_ms());
    if (!made)
        return fail(err, "backup", made.error());
    out << "backed up " << made->events << " events (up to arrival " << made->last_seq << ") to "
        << escape_control_characters(made->file.string()) << ", " << megabytes(made->bytes) << "\n";
    for (const auto& removed : made->removed)
        out << "removed the older backup " << escape_control_characters(removed.string()) << "\n";
    return exit_ok;
}

int restore_command(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto done = restore(dir_of(options), *options.value("from"), now_utc_ms());
    if (!done)
        return fail(err, "restore", done.error());
    out << "restored " << done->events << " events (up to arrival " << done->last_seq << ") into "
        << escape_control_characters(dir_of(options).string()) << "\n";
    if (!done->replaced.empty())
        out << "the database it replaced is kept as " << escape_control_characters(done->replaced.string()) << "\n";
    return exit_ok;
}

// [SECTION] migrate

int migrate_command(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    const std::string url = *options.value("to");
    if (!sql::is_postgresql_url(url)) {
        err << tool << " migrate: --to must be a postgresql:// URL (got \""
            << escape_control_characters(sql::without_password(url)) << "\")\n";
        return exit_usage;
    }
    auto report = migrate_to_postgresql({dir_of(options), url, {}});
    if (!report)
        return fail(err, "migrate", report.error());
    out << "from    " << escape_control_characters(report->source.string()) << "\n";
    out << "into    " << escape_control_characters(report->target) << "\n\n";
    out << std::left << std::setw(24) << "table" << std::right << std::setw(12) << "hq.db" << std::setw(12)
        << "PostgreSQL" << "  content (SHA-256)\n";
    std::string differing;
    for (const auto& table : report->tables) {
        out << std::left << std::setw(24) << table.name << std::right << std::setw(12) << table.source_rows
            << std::setw(12) << table.target_rows << "  "
            << (table.same() ? "same " + table.source_sha256.substr(0, 16) : std::string("DIFFERENT")) << "\n";
        if (!table.same())
            differing += (differing.empty() ? "" : ", ") + table.name;
    }
    out << "\nevent ids in seq order, SHA-256:\n  hq.db       " << report->source_event_ids_sha256
        << "\n  PostgreSQL  " << report->target_event_ids_sha256 << "\n";
    out << "not copied (the dashboard makes them again from the events): ";
    for (size_t i = 0; i < report->left_out.size(); ++i)
        out << (i ? ", " : "") << report->left_out[i];
    out << "\nnumbering goes on after the copied keys: ";
    for (size_t i = 0; i < report->sequences.size(); ++i)
        out << (i ? ", " : "") << report->sequences[i];
    out << "\n";
    const double rate = report->copy_seconds > 0 ? static_cast<double>(report->rows) / report->copy_seconds : 0;
    out << std::fixed << std::setprecision(1) << "copied " << report->rows << " rows in " << report->copy_seconds
        << " s (" << std::setprecision(0) << rate << " rows/s), checked in " << std::setprecision(1)
        << report->check_seconds << " s\n";
    if (!report->verified) {
        if (report->source_event_ids_sha256 != report->target_event_ids_sha256)
            differing += (differing.empty() ? "" : ", ") + std::string("event ids");
        return fail(err, "migrate", Error{ErrorKind::corrupt, "the copy differs from hq.db (" + differing +
                                                                  "): it was rolled back, and hq.json still names "
                                                                  "hq.db; nothing was changed"});
    }
    out << "done: hq.json names the database, so every command of "
        << escape_control_characters(dir_of(options).string()) << " uses PostgreSQL from now on; "
        << escape_control_characters(report->source.string())
        << " is kept as it was and no longer used\n";
    return exit_ok;
}

// What a head office whose hq.json names a PostgreSQL database does with
// PostgreSQL's own tools instead, said before anything is touched.
std::optional<Error> not_on_postgresql(std::string_view command, const cli::ParsedOptions& options)
{
    if (command != "backup" && command != "restore")
        return std::nullopt;
    auto settings = load_settings(dir_of(options));
    if (!settings || settings->database.empty())
        return std::nullopt;
    return Error{ErrorKind::invalid_input, "a PostgreSQL head office is backed up and restored with PostgreSQL's "
                                           "own tools (pg_dump and pg_restore, or the database's backups)"};
}

} // namespace

int run_cli(std::span<const std::string> args, std::ostream& out, std::ostream& err)
{
    auto all = commands();
    cli::Tool about{tool, FEEDBACK_VERSION, "Head office: receives the terminals' feedback over HTTPS."};
    if (!args.empty() && args[0] == "user")
        return web::run_user_cli(args.subspan(1), std::cin, isatty(STDIN_FILENO) == 1, out, err);
    if (!args.empty() && args[0] == "token")
        return api::run_token_cli(args.subspan(1), out, err);
    auto invocation = cli::dispatch(about, all, args, out, err);
    if (const int* exit_code = std::get_if<int>(&invocation))
        return *exit_code;
    auto& [command, options] = std::get<cli::Invocation>(invocation);
    if (auto refused = not_on_postgresql(command->name, options))
        return fail(err, command->name, *refused);
    if (command->name == "init")
        return init(options, out, err);
    if (command->name == "serve")
        return serve(options, out, err);
    if (command->name == "enroll")
        return enroll(options, out, err);
    if (command->name == "devices")
        return devices(options, out, err);
    if (command->name == "revoke")
        return revoke(options, out, err);
    if (command->name == "backup")
        return backup_command(options, out, err);
    if (command->name == "restore")
        return restore_command(options, out, err);
    if (command->name == "rotate-contact-key")
        return rotate_contact_key(options, out, err);
    if (command->name == "erase")
        return erase(options, out, err);
    if (command->name == "retention")
        return retention(options, out, err);
    if (command->name == "migrate")
        return migrate_command(options, out, err);
    return export_events(options, out, err);
}

} // namespace feedback::hq
