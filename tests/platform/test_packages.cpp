// The Debian packages of platform/package.sh on this machine, as a chain's
// machine gets them: lintian finds no errors, every dependency comes from
// Debian, apt installs them (users, data folders, units, assets), a head
// office and a kiosk enrolled with it, made as their users would, outlive an
// update to a higher version (the new kiosk draws its start screen from the
// installed assets and the kept configuration), and a purge leaves the
// machine as it was. It installs packages, so it needs root (CI's machine is
// a throwaway).
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace feedback::testing;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

// [SECTION] What the packages put where

const std::filesystem::path source_dir = FEEDBACK_SOURCE_DIR;
const std::vector<std::string> package_names{"feedback-terminal", "feedback-hq"};
const std::vector<std::string> user_names{"feedback-kiosk", "feedback-hq"};
const std::filesystem::path kiosk_data = "/var/lib/feedback-kiosk";
const std::filesystem::path hq_data = "/var/lib/feedback-hq";
const std::vector<std::filesystem::path> data_dirs{kiosk_data, hq_data, "/var/lib/feedback-hq-backups"};
const std::filesystem::path assets_dir = "/usr/share/feedback-terminal/assets";
const std::filesystem::path policy_rc_d = "/usr/sbin/policy-rc.d";
// Where deb-systemd-helper enables the kiosk (its unit's WantedBy=).
const std::filesystem::path kiosk_enabled = "/etc/systemd/system/graphical.target.wants/feedback-kiosk.service";

// [SECTION] Running commands

std::string joined(const std::vector<std::string>& argv)
{
    std::string text;
    for (const std::string& part : argv)
        text += (text.empty() ? "" : " ") + part;
    return text;
}

// The end of a long output (a build log), enough to see why it failed.
std::string tail_of(const std::string& text, size_t size = 8000)
{
    return text.size() <= size ? text : "..." + text.substr(text.size() - size);
}

// Runs a command that must succeed; what it printed goes with a failure.
Finished run_ok(const std::vector<std::string>& argv, const std::string& input = {})
{
    Finished done = run_process(argv, input);
    INFO(joined(argv) << "\n" << tail_of(done.out + done.err));
    REQUIRE(done.exit_code == 0);
    return done;
}

// apt without questions, as the CI machine and unattended-upgrades run it;
// it waits a while for another apt to finish rather than failing at once.
std::vector<std::string> apt_get(std::vector<std::string> args)
{
    std::vector<std::string> argv{"/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "-y", "-q",
                                  "-o", "DPkg::Lock::Timeout=120"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

// `argv` as a package's system user, with a clean environment (no
// $FEEDBACK_ASSETS_DIR: the kiosk must find the installed assets itself).
std::vector<std::string> as_user(const std::string& name, const std::vector<std::string>& argv)
{
    const passwd* user = ::getpwnam(name.c_str());
    REQUIRE(user != nullptr);
    std::vector<std::string> command{"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", std::string("HOME=") + user->pw_dir,
                                     "/usr/bin/setpriv", "--reuid=" + std::to_string(user->pw_uid),
                                     "--regid=" + std::to_string(user->pw_gid), "--init-groups"};
    command.insert(command.end(), argv.begin(), argv.end());
    return command;
}

void give_to(const std::filesystem::path& path, const std::string& name)
{
    const passwd* user = ::getpwnam(name.c_str());
    REQUIRE(user != nullptr);
    REQUIRE(::chown(path.c_str(), user->pw_uid, user->pw_gid) == 0);
}

// [SECTION] The machine's state

// Every installed package (name:arch), from dpkg's own database.
std::set<std::string> installed_packages()
{
    Finished listed = run_process({"/usr/bin/dpkg-query", "-W", "-f=${db:Status-Abbrev} ${binary:Package}\n"});
    std::set<std::string> installed;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);)
        if (line.size() > 4 && line[1] != 'n') // the second letter is the state: n = not installed
            installed.insert(line.substr(4));
    return installed;
}

bool is_installed(const std::string& package)
{
    const auto installed = installed_packages();
    return std::any_of(installed.begin(), installed.end(),
                       [&](const std::string& name) { return name.substr(0, name.find(':')) == package; });
}

bool user_exists(const std::string& name) { return ::getpwnam(name.c_str()) != nullptr; }
bool group_exists(const std::string& name) { return ::getgrnam(name.c_str()) != nullptr; }

// Puts the machine back as the test found it, also when a REQUIRE stops the
// test halfway: purges the packages and whatever apt installed with them,
// removes the users and data folders they made, and the policy-rc.d that
// kept services from starting (man invoke-rc.d) during the installs.
class MachineRestorer {
public:
    MachineRestorer()
    {
        for (const std::string& package : package_names) {
            INFO(package << " is installed on this machine; this test installs and purges it, so it runs only "
                            "where it is not (apt-get purge feedback-terminal feedback-hq, or a throwaway machine)");
            REQUIRE_FALSE(is_installed(package));
        }
        for (const auto& dir : data_dirs) {
            INFO(dir << " exists: this machine has (or had) the packages' data, which this test would mix with "
                        "its own; remove it, or run on a throwaway machine");
            REQUIRE_FALSE(std::filesystem::exists(dir));
        }
        m_packages_before = installed_packages();
        for (const std::string& name : user_names)
            if (user_exists(name))
                m_users_before.insert(name);
        if (!std::filesystem::exists(policy_rc_d)) {
            write_file(policy_rc_d, "#!/bin/sh\n# test_packages: no service starts while it runs\nexit 101\n");
            std::filesystem::permissions(policy_rc_d, std::filesystem::perms::owner_all |
                                                          std::filesystem::perms::group_read |
                                                          std::filesystem::perms::group_exec |
                                                          std::filesystem::perms::others_read |
                                                          std::filesystem::perms::others_exec);
            m_made_policy_rc_d = true;
        }
    }
    ~MachineRestorer() { restore(); }
    MachineRestorer(const MachineRestorer&) = delete;
    MachineRestorer& operator=(const MachineRestorer&) = delete;

    // Runs once; what could not be undone is in the returned text.
    bool had_user(const std::string& name) const { return m_users_before.count(name) != 0; }

    std::string restore()
    {
        if (m_restored)
            return {};
        m_restored = true;
        std::string problems;
        std::vector<std::string> added;
        for (const std::string& package : installed_packages())
            if (m_packages_before.count(package) == 0)
                added.push_back(package);
        if (!added.empty()) {
            std::vector<std::string> purge{"purge"};
            purge.insert(purge.end(), added.begin(), added.end());
            Finished purged = run_process(apt_get(purge));
            if (purged.exit_code != 0) {
                run_process({"/usr/bin/dpkg", "--purge", "feedback-terminal", "feedback-hq"});
                problems += "apt-get purge failed: " + tail_of(purged.out + purged.err, 2000) + "\n";
            }
        }
        for (const std::string& name : user_names) {
            if (m_users_before.count(name) != 0)
                continue;
            if (user_exists(name) && run_process({"/usr/sbin/userdel", name}).exit_code != 0)
                problems += "userdel " + name + " failed\n";
            if (group_exists(name) && run_process({"/usr/sbin/groupdel", name}).exit_code != 0)
                problems += "groupdel " + name + " failed\n";
        }
        for (const auto& dir : data_dirs) {
            std::error_code error;
            std::filesystem::remove_all(dir, error);
        }
        if (m_made_policy_rc_d)
            std::filesystem::remove(policy_rc_d);
        return problems;
    }

private:
    std::set<std::string> m_packages_before;
    std::set<std::string> m_users_before;
    bool m_made_policy_rc_d = false;
    bool m_restored = false;
};

// [SECTION] The packages

std::filesystem::path package_file(const std::filesystem::path& dir, const std::string& package)
{
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(package + "_", 0) == 0 && entry.path().extension() == ".deb")
            found.push_back(entry.path());
    }
    INFO("packages named " << package << "_*.deb in " << dir);
    REQUIRE(found.size() == 1);
    return found.front();
}

std::string control_field(const std::filesystem::path& deb, const std::string& field)
{
    std::string value = run_ok({"/usr/bin/dpkg-deb", "-f", deb.string(), field}).out;
    while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
        value.pop_back();
    return value;
}

// "a (>= 1), b | c:any" as [[a], [b, c]]: each group needs one of its names.
std::vector<std::vector<std::string>> dependency_groups(const std::string& depends)
{
    std::vector<std::vector<std::string>> groups;
    std::istringstream parts(depends);
    for (std::string part; std::getline(parts, part, ',');) {
        std::vector<std::string> names;
        std::istringstream alternatives(part);
        for (std::string alternative; std::getline(alternatives, alternative, '|');) {
            std::smatch name;
            if (std::regex_search(alternative, name, std::regex(R"([a-z0-9][a-z0-9+.-]+)")))
                names.push_back(name[0]);
        }
        if (!names.empty())
            groups.push_back(names);
    }
    return groups;
}

// The apt sources ("http://deb.debian.org/debian bookworm/main amd64
// Packages") whose Release file says Origin: Debian, from `apt-cache policy`.
std::set<std::string> debian_sources()
{
    const std::string policy = run_ok({"/usr/bin/apt-cache", "policy"}).out;
    const std::regex source_line(R"(^\s*-?\d+ (\S+ \S+ \S+ Packages)\s*$)");
    std::set<std::string> sources;
    std::string source;
    std::istringstream lines(policy);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (std::regex_match(line, match, source_line))
            source = match[1];
        else if (!source.empty() && line.find("release ") != std::string::npos &&
                 line.find("o=Debian,") != std::string::npos)
            sources.insert(source);
    }
    return sources;
}

// Whether apt can get `package` from one of Debian's own sources.
bool comes_from_debian(const std::string& package, const std::set<std::string>& debian)
{
    const std::string policy = run_process({"/usr/bin/apt-cache", "policy", package}).out;
    const std::regex source_line(R"(^\s*-?\d+ (\S+ \S+ \S+ Packages)\s*$)");
    std::istringstream lines(policy);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (std::regex_match(line, match, source_line) && debian.count(match[1]) != 0)
            return true;
    }
    return false;
}

// The same package with a higher version (the programs unchanged), the
// cheap way to an update: unpacked, its control file edited, packed again.
std::filesystem::path with_version(const std::filesystem::path& deb, const std::string& version,
                                   const std::filesystem::path& dir)
{
    const std::string package = control_field(deb, "Package");
    const auto tree = dir / package;
    run_ok({"/usr/bin/dpkg-deb", "--raw-extract", deb.string(), tree.string()});
    const auto control = tree / "DEBIAN" / "control";
    const std::string text = read_all(control);
    write_file(control, std::regex_replace(text, std::regex("(^|\n)Version: [^\n]*"), "$1Version: " + version));
    const auto updated = dir / (package + "_" + version + "_" + control_field(deb, "Architecture") + ".deb");
    run_ok({"/usr/bin/dpkg-deb", "-Zgzip", "-z1", "--build", tree.string(), updated.string()});
    return updated;
}

// [SECTION] The installed programs at work

// A command of an installed program on its data folder, as its user.
std::vector<std::string> kiosk_command(std::vector<std::string> args)
{
    args.insert(args.begin(), "/usr/bin/feedback-terminal");
    args.insert(args.end(), {"--data-dir", kiosk_data.string()});
    return as_user("feedback-kiosk", args);
}

std::vector<std::string> hq_command(std::vector<std::string> args)
{
    args.insert(args.begin(), "/usr/bin/feedback-hq");
    args.insert(args.end(), {"--dir", hq_data.string()});
    return as_user("feedback-hq", args);
}

// The installed head office serving on a free loopback port as its own user,
// for the installed kiosk to enrol with and upload to; SIGTERM when it goes.
class InstalledHq {
public:
    InstalledHq()
        : m_process(hq_command({"serve", "--listen", "127.0.0.1:0"}))
    {
        const std::regex listening("listening on (https://127\\.0\\.0\\.1:[0-9]+)");
        std::string printed;
        std::smatch match;
        for (int wait = 0; wait < 300 && !std::regex_search(printed, match, listening); ++wait)
            printed += m_process.read_available(100ms);
        INFO("feedback-hq serve printed: " << printed);
        REQUIRE_FALSE(match.empty());
        m_url = match[1];
    }
    ~InstalledHq() { stop(); }
    InstalledHq(const InstalledHq&) = delete;
    InstalledHq& operator=(const InstalledHq&) = delete;

    const std::string& url() const { return m_url; }
    void stop()
    {
        if (m_stopped)
            return;
        m_stopped = true;
        ::kill(m_process.pid(), SIGTERM); // env and setpriv exec'd it: the same process
        m_process.wait();
    }

private:
    ChildProcess m_process;
    std::string m_url;
    bool m_stopped = false;
};

const std::string ratings = "{\"type\":\"nps.rated\",\"score\":10,\"locale\":\"nl\"}\n"
                            "{\"type\":\"nps.rated\",\"score\":9,\"locale\":\"en\"}\n"
                            "{\"type\":\"nps.rated\",\"score\":4,\"locale\":\"nl\"}\n";

} // namespace

TEST_CASE("the Debian packages build, pass lintian, install, update keeping the store, and purge",
          "[platform][packages]")
{
    if (::geteuid() != 0)
        FAIL("this test installs the Debian packages on this machine with apt-get, which needs root: run it as "
             "root on a throwaway machine (CI's is one)");
    MachineRestorer restorer;
    TempDir temp;
    std::filesystem::permissions(temp.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                  std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_read |
                                                  std::filesystem::perms::others_exec);

    // [SECTION] Build and check the packages
    const auto built = temp.path() / "packages";
    run_ok({"/bin/bash", (source_dir / "platform" / "package.sh").string(), "--output", built.string()});
    const auto terminal_deb = package_file(built, "feedback-terminal");
    const auto hq_deb = package_file(built, "feedback-hq");

    {
        Finished lintian = run_process({"/usr/bin/lintian", terminal_deb.string(), hq_deb.string()});
        INFO("lintian:\n" << lintian.out << lintian.err);
        std::vector<std::string> errors;
        std::istringstream lines(lintian.out);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("E: ", 0) == 0)
                errors.push_back(line);
        CHECK(errors.empty());
        CHECK(lintian.exit_code == 0);
    }

    {
        const auto debian = debian_sources();
        INFO("apt-cache policy lists no source with Origin Debian: run apt-get update");
        REQUIRE_FALSE(debian.empty());
        for (const auto& deb : {terminal_deb, hq_deb}) {
            const std::string depends = control_field(deb, "Depends");
            INFO(deb.filename().string() << " Depends: " << depends);
            const auto groups = dependency_groups(depends);
            CHECK(groups.size() >= 3);
            for (const auto& names : groups) {
                INFO("from Debian: one of " << joined(names));
                CHECK(std::any_of(names.begin(), names.end(),
                                  [&](const std::string& name) { return comes_from_debian(name, debian); }));
            }
        }
    }

    // [SECTION] Install
    run_ok(apt_get({"install", "--no-install-recommends", terminal_deb.string(), hq_deb.string()}));
    for (const char* program : {"/usr/bin/feedback-terminal", "/usr/bin/feedback-kiosk", "/usr/bin/feedback-hq"}) {
        INFO(program);
        CHECK(::access(program, X_OK) == 0);
    }
    // The man pages, and the READMEs the units' Documentation= names.
    for (const char* document : {"/usr/share/man/man1/feedback-terminal.1.gz", "/usr/share/man/man1/feedback-kiosk.1.gz",
                                 "/usr/share/man/man1/feedback-hq.1.gz", "/usr/share/doc/feedback-terminal/README.md",
                                 "/usr/share/doc/feedback-hq/README.md"}) {
        INFO(document);
        CHECK(std::filesystem::is_regular_file(document));
    }
    for (const char* unit : {"feedback-kiosk.service", "feedback-hq.service", "feedback-hq-backup.service",
                             "feedback-hq-backup.timer"}) {
        INFO(unit << " in /lib/systemd/system or /usr/lib/systemd/system");
        CHECK((std::filesystem::exists(std::filesystem::path("/lib/systemd/system") / unit) ||
               std::filesystem::exists(std::filesystem::path("/usr/lib/systemd/system") / unit)));
    }
    // The USB setup stick's mount rule (platform/udev/).
    CHECK(std::filesystem::is_regular_file("/lib/udev/rules.d/90-feedback-setup-stick.rules"));
    for (const char* asset : {"config/default.json", "i18n/nl.json", "i18n/en.json", "fonts/NotoSans-Regular.ttf",
                              "fonts/NotoSans-Bold.ttf"}) {
        INFO(assets_dir / asset);
        CHECK(std::filesystem::is_regular_file(assets_dir / asset)); // the fonts: links that resolve
    }
    for (const std::string& name : user_names) {
        const passwd* user = ::getpwnam(name.c_str());
        INFO("system user " << name);
        REQUIRE(user != nullptr);
        CHECK(user->pw_uid < 1000);
        CHECK(std::string(user->pw_shell) == "/usr/sbin/nologin");
    }
    for (const auto& [dir, owner] : {std::pair{kiosk_data, "feedback-kiosk"}, std::pair{hq_data, "feedback-hq"}}) {
        INFO(dir);
        struct stat info {};
        REQUIRE(::stat(dir.c_str(), &info) == 0);
        CHECK(info.st_uid == ::getpwnam(owner)->pw_uid);
        CHECK(permission_bits(dir) == 0700);
    }
    // Enabled without a running systemd; head office waits for `init`.
    CHECK(std::filesystem::is_symlink(kiosk_enabled));
    CHECK_FALSE(std::filesystem::exists("/etc/systemd/system/multi-user.target.wants/feedback-hq.service"));

    // [SECTION] A head office and a kiosk enrolled with it, made as their users would
    run_ok(hq_command({"init", "--hostname", "127.0.0.1"}));
    run_ok(hq_command({"user", "add", "--name", "kwaliteit", "--role", "admin", "--password-stdin"}),
           "demo-password-2026\n");
    const std::string code = run_ok(hq_command({"enroll", "--store", "UTR", "--name", "Counter 2"})).out;
    const auto ca = temp.path() / "ca.pem"; // head office's folder is closed to the kiosk's user
    std::filesystem::copy_file(hq_data / "tls" / "ca.pem", ca);
    std::filesystem::permissions(ca, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    {
        InstalledHq hq;
        run_ok(kiosk_command({"enroll", "--server", hq.url(), "--code", code.substr(0, code.find('\n')), "--ca",
                              ca.string()}));
        run_ok(kiosk_command({"record"}), ratings);
        run_ok(kiosk_command({"sync", "--once"}));
    }
    // The configuration as head office would have published it: English first.
    const bool pulled = std::filesystem::exists(kiosk_data / "config.json");
    const std::string published = read_all(pulled ? kiosk_data / "config.json" : assets_dir / "config" / "default.json");
    const std::string kiosk_config =
        std::regex_replace(published, std::regex(R"("default_locale"\s*:\s*"nl")"), R"("default_locale": "en")");
    REQUIRE(kiosk_config != published);
    write_file(kiosk_data / "config.json", kiosk_config);
    give_to(kiosk_data / "config.json", "feedback-kiosk");
    const std::string hq_settings = read_all(hq_data / "hq.json");
    const std::string hq_ca = read_all(hq_data / "tls" / "ca.pem");

    // [SECTION] Update to a higher version
    const std::string old_version = control_field(terminal_deb, "Version");
    const std::string new_version = old_version + "+test1";
    REQUIRE(run_process({"/usr/bin/dpkg", "--compare-versions", new_version, "gt", old_version}).exit_code == 0);
    const auto updates = temp.path() / "updates";
    std::filesystem::create_directory(updates);
    run_ok(apt_get({"install", "--no-install-recommends", with_version(terminal_deb, new_version, updates).string(),
                    with_version(hq_deb, new_version, updates).string()}));
    for (const std::string& package : package_names) {
        INFO(package);
        CHECK(run_ok({"/usr/bin/dpkg-query", "-W", "-f=${Version}", package}).out == new_version);
    }

    // [SECTION] The store, configuration and head office after the update
    {
        const Json status = Json::parse(run_ok(kiosk_command({"status", "--json"})).out);
        INFO(status.dump(2));
        CHECK(status["integrity"] == "ok");
        CHECK(status["device"]["store_code"] == "UTR");
        CHECK(status["events_total"] == 3);
        CHECK(status["unsent_backlog"] == 0);
        CHECK(status["nps_last_30_days"]["ratings"] == 3);
        CHECK(status["nps_last_30_days"]["promoters"] == 2);
    }
    CHECK(read_all(kiosk_data / "config.json") == kiosk_config);
    CHECK(std::filesystem::is_symlink(kiosk_enabled));
    CHECK(read_all(hq_data / "hq.json") == hq_settings);
    CHECK(read_all(hq_data / "tls" / "ca.pem") == hq_ca);
    CHECK(run_ok(hq_command({"user", "list"})).out.find("kwaliteit") != std::string::npos);
    {
        const std::string received = run_ok(hq_command({"export", "--format", "jsonl"})).out;
        INFO("head office's export:\n" << received);
        CHECK(std::count(received.begin(), received.end(), '\n') == 3);
    }

    // The updated kiosk, as its unit would start it but headless: enrolled, so
    // the start screen, in English from the kept configuration, drawn with
    // the installed assets.
    const auto script = temp.path() / "start.jsonl";
    write_file(script, "{\"expect_target\":\"score.0\"}\n{\"screenshot\":\"start\"}\n");
    const auto shots = temp.path() / "shots";
    std::filesystem::create_directory(shots);
    give_to(shots, "feedback-kiosk");
    run_ok(kiosk_command({"run", "--headless", "--script", script.string(), "--screenshots", shots.string()}));
    std::vector<std::string> screenshots;
    for (const auto& entry : std::filesystem::directory_iterator(shots))
        screenshots.push_back(entry.path().filename().string());
    INFO("screenshots: " << joined(screenshots));
    CHECK(std::any_of(screenshots.begin(), screenshots.end(), [](const std::string& name) {
        return name.find("start") != std::string::npos && name.find("-en.png") != std::string::npos;
    }));

    // [SECTION] Purge: the machine as it was
    const std::string problems = restorer.restore();
    INFO(problems);
    CHECK(problems.empty());
    for (const std::string& package : package_names) {
        INFO(package);
        CHECK_FALSE(is_installed(package));
    }
    for (const std::string& name : user_names) {
        INFO(name);
        CHECK(user_exists(name) == restorer.had_user(name));
    }
    for (const auto& dir : data_dirs) {
        INFO(dir);
        CHECK_FALSE(std::filesystem::exists(dir));
    }
    CHECK_FALSE(std::filesystem::exists(kiosk_enabled));
}
