// Head office's settings file DIR/hq.json, written by `feedback-hq init` and
// read by `serve`: the limits it announces and enforces (PROTOCOL.md 6), the
// default listen address, its worker threads, how long enrolment codes live,
// the public URL of its links, the status page's rate limit and how it
// sends mail (mail/mail_settings.h).
#pragma once

#include "common/protocol.h"
#include "domain/event.h"
#include "hq/mail/mail_settings.h"
#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace feedback::hq {

constexpr const char* settings_file_name = "hq.json";

// How head office's TLS front (front/tls_front.h) treats connections: hq.json's
// "connections" object. Written out by init so an operator sees every knob.
struct ConnectionSettings {
    int max_connections = 4096;    // open at once, in all
    int max_per_address = 64;      // open at once from one address (a shop's NAT: its terminals and browsers)
    int head_seconds = 10;         // the TLS handshake and a request's head, together
    int keep_alive_seconds = 15;   // an idle kept-alive connection waits this long
    int64_t max_form_bytes = 1024 * 1024; // a dashboard form's body (a configuration document fits)
    // Reverse proxies in front of head office (HAProxy, nginx) whose
    // X-Forwarded-For is believed, by address ("127.0.0.1"); they are also
    // exempt from max_per_address. Empty: every peer is a client.
    std::vector<std::string> trusted_proxies;
};

struct HqSettings {
    sync::Limits limits;
    ConnectionSettings connections;
    std::string listen = "0.0.0.0:8443";  // HOST:PORT
    int threads = 64;                     // requests the routes work on at once (the front holds the waiting ones)
    int64_t enrol_code_ttl_hours = 72;
    std::string hostname = "localhost";   // the name in the server certificate
    // A certificate (with its chain) and key of the chain's own, certbot's
    // for example (hq.json "tls": {"certificate": FILE, "key": FILE}); empty:
    // DIR/tls/server.pem and server.key (feedback-hq init's). Read again on SIGHUP.
    std::filesystem::path tls_certificate;
    std::filesystem::path tls_key;
    // Where customers reach head office, for the links it hands out (the
    // status page's, crypto/status_key.h): "https://feedback.example.nl",
    // no path, query or trailing "/". Empty (the default, not written to
    // hq.json): https://<hostname>:<the port serve listens on>.
    std::string public_url;
    // Status page lookups (GET /status with a reference) one client address
    // may make per minute, all at once at most; then 429 with Retry-After.
    int status_lookups_per_minute = 20;
    // Head office's contact key files (contact_keys.h), the current one
    // first, the ones before it after: each opens what was sealed to it.
    // Outside DIR, so that a copy of the data folder opens nothing.
    std::vector<std::filesystem::path> contact_keys;
    // Contact details of complaints closed this many days ago, and of
    // call-back requests answered that long ago, are erased (the terminal's
    // rule, `feedback-terminal retention`), checked every hour by serve.
    int contact_retention_days = default_contact_retention_days;
    // Where head office keeps its data: empty (the default, not written to
    // hq.json) is DIR/hq.db, SQLite; a postgresql:// URL is that PostgreSQL
    // database, which several head-office processes may share
    // (`feedback-hq init --database URL`).
    std::string database;
    mail::MailSettings mail;
};

Result<HqSettings> load_settings(const std::filesystem::path& dir);
// Written atomically (temporary file, fsync, rename).
Result<void> save_settings(const std::filesystem::path& dir, const HqSettings& settings);

struct ListenAddress {
    std::string host;
    int port = 0; // 0: any free port
};
// "HOST:PORT" or "[v6]:PORT".
Result<ListenAddress> parse_listen_address(std::string_view text);

// The public URL links start with: settings.public_url, or when it is empty
// https://<hostname>:<port> (":443" left out).
std::string public_url_or_default(const HqSettings& settings, int port);

// The customer's status page (web/pages_status.cpp), and its address under a public URL.
inline constexpr std::string_view status_page_path = "/status";
inline std::string status_page_url(std::string_view public_url) { return std::string(public_url) + std::string(status_page_path); }

} // namespace feedback::hq
