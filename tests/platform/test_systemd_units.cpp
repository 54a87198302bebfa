// The systemd units in platform/systemd/ checked by systemd itself: each
// passes `systemd-analyze verify` (with ExecStart= pointing at the binaries
// this build made, as the package puts them in /usr/bin), and head office's
// service is hardened to an exposure level of "OK" or better
// (`systemd-analyze security --offline=yes`).
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace feedback::testing;

namespace {

const std::filesystem::path units_dir = std::filesystem::path(FEEDBACK_SOURCE_DIR) / "platform" / "systemd";

std::string read_unit(const std::string& name)
{
    std::ifstream in(units_dir / name);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The unit as installed, but with the programs of this build, so that
// verify's check that ExecStart= is executable means something here.
std::filesystem::path unit_with_build_binaries(const TempDir& temp, const std::string& name)
{
    const std::map<std::string, std::string> installed_to_built{
        {"/usr/bin/feedback-hq", FEEDBACK_HQ_BINARY},
        {"/usr/bin/feedback-terminal", FEEDBACK_TERMINAL_BINARY},
    };
    std::string text = read_unit(name);
    for (const auto& [installed, built] : installed_to_built)
        text = std::regex_replace(text, std::regex(installed), built);
    auto file = temp.path() / name;
    std::ofstream(file) << text;
    return file;
}

} // namespace

TEST_CASE("every systemd unit passes systemd-analyze verify", "[platform][systemd]")
{
    TempDir temp;
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(units_dir))
        if (entry.path().extension() == ".service" || entry.path().extension() == ".timer")
            names.push_back(entry.path().filename().string());
    REQUIRE(names.size() >= 3);
    // A timer names its service: both are verified side by side.
    for (const std::string& name : names)
        unit_with_build_binaries(temp, name);
    for (const std::string& name : names) {
        INFO(name);
        auto verified = run_process({"/usr/bin/systemd-analyze", "verify", "--man=no", (temp.path() / name).string()});
        INFO(verified.out << verified.err);
        CHECK(verified.exit_code == 0);
        CHECK(verified.err.empty()); // no warnings either
    }
}

TEST_CASE("head office's services are hardened to an exposure level of OK or better", "[platform][systemd]")
{
    TempDir temp;
    for (const std::string name : {"feedback-hq.service", "feedback-hq-backup.service"}) {
        auto file = unit_with_build_binaries(temp, name);
        auto analysed = run_process({"/usr/bin/systemd-analyze", "security", "--offline=yes", "--no-pager", file.string()});
        INFO(analysed.out << analysed.err);
        REQUIRE(analysed.exit_code == 0);
        std::smatch level;
        REQUIRE(std::regex_search(analysed.out, level, std::regex("Overall exposure level for [^:]+: ([0-9.]+) (\\w+)")));
        INFO(name << ": " << level[1] << " " << level[2]);
        CHECK((level[2] == "OK" || level[2] == "SAFE"));
        CHECK(std::stod(level[1]) < 5.0);
    }
}
