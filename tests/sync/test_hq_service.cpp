// Head office as a service, with the real feedback-hq and feedback-terminal:
// backups (sync/hq/backup.h) made while a terminal keeps uploading hold every
// event acknowledged before they began, restore puts one back (and waits for
// head office to stop), the folder of timed backups keeps its newest; and a
// renewed certificate is taken on SIGHUP without dropping a connection.
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "support/tls_socket.h"
#include "hq/certificates.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

using namespace feedback::testing;

namespace {

Finished hq_command(std::vector<std::string> args)
{
    args.insert(args.begin(), FEEDBACK_HQ_BINARY);
    return run_process(args);
}

std::set<std::string> exported_ids(const std::filesystem::path& dir)
{
    auto exported = hq_command({"export", "--dir", dir.string(), "--format", "jsonl"});
    REQUIRE(exported.exit_code == 0);
    return event_ids(json_lines(exported.out));
}

} // namespace

TEST_CASE("a backup made while a terminal uploads holds every event acknowledged before it, and restores",
          "[sync][backup]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "terminal");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);

    // The terminal records and uploads batch after batch until told to stop.
    std::atomic<bool> stop{false};
    std::atomic<int> rounds{0};
    std::string trouble;
    std::thread uploading([&] {
        while (!stop) {
            auto recorded = terminal.record(rating_lines(150));
            auto synced = terminal.sync_once();
            if (recorded.exit_code != 0 || synced.exit_code != 0) {
                trouble = recorded.err + synced.err;
                return;
            }
            ++rounds;
        }
    });
    while (rounds < 2 && trouble.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));

    // Acknowledged before the backup begins: what head office has stored.
    std::set<std::string> before = exported_ids(hq.dir());
    auto backup_file = temp.path() / "hq-backup.db";
    auto backed_up = hq.run({"backup", "--to", backup_file.string()});
    int rounds_at_backup = rounds;
    while (rounds < rounds_at_backup + 2 && trouble.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // uploads went on
    stop = true;
    uploading.join();
    INFO(trouble << backed_up.err);
    REQUIRE(trouble.empty());
    REQUIRE(backed_up.exit_code == 0);
    CHECK(backed_up.out.find("backed up ") == 0);
    CHECK(permission_bits(backup_file) == 0600); // it holds customers' contact details
    CHECK_FALSE(std::filesystem::exists(backup_file.string() + "-wal")); // one self-contained file

    std::set<std::string> everything = exported_ids(hq.dir());
    REQUIRE(before.size() >= 300);

    // Restoring while head office serves from the folder is refused, and nothing changes.
    auto refused = hq.run({"restore", "--from", backup_file.string()});
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("stop it first") != std::string::npos);
    CHECK(exported_ids(hq.dir()) == everything);

    // On a new machine: init, restore, serve.
    auto fresh = temp.path() / "restored";
    REQUIRE(hq_command({"init", "--dir", fresh.string()}).exit_code == 0);
    auto restored = hq_command({"restore", "--dir", fresh.string(), "--from", backup_file.string()});
    INFO(restored.err);
    REQUIRE(restored.exit_code == 0);
    CHECK(restored.out.find("restored ") == 0);
    CHECK(restored.out.find("hq.db.replaced-") != std::string::npos); // init's empty database, kept aside
    std::set<std::string> in_backup = exported_ids(fresh);
    for (const std::string& id : before) {
        INFO(id);
        CHECK(in_backup.contains(id));
    }
    for (const std::string& id : in_backup)
        CHECK(everything.contains(id)); // nothing the terminal did not send
    CHECK(in_backup.size() < everything.size()); // the uploads after it are not in it
    CHECK(backed_up.out.find("backed up " + std::to_string(in_backup.size()) + " events") == 0);
    CHECK(permission_bits(fresh / "hq.db") == 0600);

    // The restored head office serves: the terminal carries on against it.
    hq.stop_with_sigterm();
    auto again = hq.run({"restore", "--from", backup_file.string()}); // now allowed
    INFO(again.err);
    CHECK(again.exit_code == 0);
    hq.restart();
    CHECK(exported_ids(hq.dir()) == in_backup);
    auto synced = terminal.sync_once();
    INFO(synced.out << synced.err);
    CHECK(synced.exit_code == 0);
}

TEST_CASE("backup and restore refuse bad input and leave everything as it was", "[sync][backup]")
{
    TempDir temp;
    auto dir = temp.path() / "hq";
    REQUIRE(hq_command({"init", "--dir", dir.string()}).exit_code == 0);
    auto file = temp.path() / "one.db";
    REQUIRE(hq_command({"backup", "--dir", dir.string(), "--to", file.string()}).exit_code == 0);

    auto help = hq_command({"backup", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--into") != std::string::npos);
    CHECK(hq_command({"restore", "--help"}).exit_code == 0);

    auto neither = hq_command({"backup", "--dir", dir.string()});
    CHECK(neither.exit_code == 2);
    CHECK(neither.err.find("either --to FILE or --into FOLDER") != std::string::npos);
    auto over = hq_command({"backup", "--dir", dir.string(), "--to", file.string()});
    CHECK(over.exit_code == 1);
    CHECK(over.err.find("never overwrites") != std::string::npos);
    auto no_head_office = hq_command({"backup", "--dir", (temp.path() / "nothing").string(), "--to",
                                      (temp.path() / "two.db").string()});
    CHECK(no_head_office.exit_code == 1);
    CHECK(no_head_office.err.find("no head office") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(temp.path() / "two.db"));
    auto bad_keep = hq_command({"backup", "--dir", dir.string(), "--into", (temp.path() / "b").string(), "--keep", "0"});
    CHECK(bad_keep.exit_code == 2);
    CHECK(bad_keep.err.find("--keep") != std::string::npos);

    // Not a database, or a database that is not head office's: refused before DIR is touched.
    auto garbage = temp.path() / "garbage.db";
    std::ofstream(garbage) << "these are not the pages of a database, however long the text goes on\n";
    auto not_db = hq_command({"restore", "--dir", dir.string(), "--from", garbage.string()});
    CHECK(not_db.exit_code == 1);
    CHECK(not_db.err.find("garbage.db") != std::string::npos);
    auto missing = hq_command({"restore", "--dir", dir.string(), "--from", (temp.path() / "absent.db").string()});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("no backup file") != std::string::npos);
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        CHECK(entry.path().filename().string().find("replaced") == std::string::npos);

    // A folder of timed backups keeps the newest --keep.
    auto folder = temp.path() / "backups";
    for (int i = 0; i < 3; ++i) {
        auto made = hq_command({"backup", "--dir", dir.string(), "--into", folder.string(), "--keep", "2"});
        INFO(made.err);
        REQUIRE(made.exit_code == 0);
        if (i == 2)
            CHECK(made.out.find("removed the older backup") != std::string::npos);
        std::this_thread::sleep_for(std::chrono::milliseconds(5)); // a new name each time
    }
    int kept = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        CHECK(entry.path().filename().string().rfind("hq-", 0) == 0);
        ++kept;
    }
    CHECK(kept == 2);
    CHECK(permission_bits(folder) == 0700);
}

namespace {

bool wait_for_log(const HqProcess& hq, const std::string& text)
{
    for (int i = 0; i < 200; ++i) {
        if (hq.log().find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
}

std::optional<RawAnswer> get_stylesheet(TlsSocket& socket)
{
    if (!socket.send("GET /static/dashboard.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        return std::nullopt;
    return socket.read_answer();
}

} // namespace

TEST_CASE("SIGHUP takes a renewed certificate for new connections without dropping open ones, or keeps the old one",
          "[sync][tls]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    auto old_ca = temp.path() / "old-ca.pem";
    std::filesystem::copy_file(hq.ca_file(), old_ca);
    auto open = TlsSocket::connect(hq.port());
    REQUIRE(open);
    REQUIRE(open->handshake(old_ca));
    auto first = get_stylesheet(*open);
    REQUIRE(first);
    CHECK(first->status == 200);

    // A renewal (certbot's deploy hook copies the new files in place): another CA here.
    auto renewed = feedback::hq::make_private_ca(temp.path() / "renewed", "127.0.0.1");
    REQUIRE(renewed);
    std::filesystem::copy_file(renewed->server_certificate, hq.dir() / "tls" / "server.pem",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(renewed->server_key, hq.dir() / "tls" / "server.key",
                               std::filesystem::copy_options::overwrite_existing);
    REQUIRE(::kill(hq.pid(), SIGHUP) == 0);
    REQUIRE(wait_for_log(hq, "certificate read again"));

    auto with_old = TlsSocket::connect(hq.port());
    REQUIRE(with_old);
    CHECK_FALSE(with_old->handshake(old_ca)); // new connections get the renewed certificate
    auto with_new = TlsSocket::connect(hq.port());
    REQUIRE(with_new);
    REQUIRE(with_new->handshake(renewed->ca_certificate));
    auto fresh = get_stylesheet(*with_new);
    REQUIRE(fresh);
    CHECK(fresh->status == 200);
    auto again = get_stylesheet(*open); // the open connection was not dropped
    REQUIRE(again);
    CHECK(again->status == 200);

    // A broken file: the certificate in use stays, and head office says so.
    std::ofstream(hq.dir() / "tls" / "server.pem") << "-----BEGIN CERTIFICATE-----\nnot base64\n";
    REQUIRE(::kill(hq.pid(), SIGHUP) == 0);
    REQUIRE(wait_for_log(hq, "kept the certificate in use"));
    auto still = TlsSocket::connect(hq.port());
    REQUIRE(still);
    CHECK(still->handshake(renewed->ca_certificate));
}

TEST_CASE("head office serves a certificate and key named in hq.json", "[sync][tls]")
{
    TempDir temp;
    auto own = feedback::hq::make_private_ca(temp.path() / "own", "127.0.0.1");
    REQUIRE(own);
    HqProcess hq(temp.path() / "hq", nlohmann::json{{"tls", {{"certificate", own->server_certificate.string()},
                                                              {"key", own->server_key.string()}}}});
    auto socket = TlsSocket::connect(hq.port());
    REQUIRE(socket);
    CHECK(socket->handshake(own->ca_certificate));
    auto other = TlsSocket::connect(hq.port());
    REQUIRE(other);
    CHECK_FALSE(other->handshake(hq.ca_file())); // not init's certificate

    // A name that is not there: serve says which file it looked for.
    hq.stop_with_sigterm();
    auto settings = nlohmann::json::parse(read_text(hq.dir() / "hq.json"));
    settings["tls"]["key"] = (temp.path() / "missing.key").string();
    std::ofstream(hq.dir() / "hq.json") << settings.dump(2);
    auto refused = run_process({FEEDBACK_HQ_BINARY, "serve", "--dir", hq.dir().string(), "--listen", "127.0.0.1:0"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("missing.key") != std::string::npos);
}
