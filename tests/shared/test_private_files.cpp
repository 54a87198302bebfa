// Tests of private folders and files (shared/files/) under umask 022, the
// one that left the terminal's database readable to every user: modes set
// exactly, older loose folders tightened, symbolic links left alone.
#include "files/private_files.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace feedback;
using namespace feedback::testing;

TEST_CASE("new private folders are 0700 and new private files 0600 whatever the umask", "[files]")
{
    UmaskFor umask_022(022);
    TempDir temp;
    const auto dir = temp.path() / "parent" / "data";
    REQUIRE(files::make_private_directory(dir));
    CHECK(permission_bits(dir) == 0700);
    REQUIRE(files::make_private_directory(dir)); // there already: fine
    REQUIRE(files::make_private_directory(temp.path() / "shots/")); // a trailing slash as typed
    CHECK(permission_bits(temp.path() / "shots") == 0700);

    REQUIRE(files::create_private_file(dir / "feedback.db"));
    CHECK(permission_bits(dir / "feedback.db") == 0600);
    write_file(dir / "feedback.db", "kept");
    REQUIRE(files::create_private_file(dir / "feedback.db")); // an existing file is left as it is
    CHECK(read_all(dir / "feedback.db") == "kept");

    REQUIRE(files::write_private_file(dir / "config.json", "{}\n", files::Durability::synced));
    CHECK(permission_bits(dir / "config.json") == 0600);
    CHECK(read_all(dir / "config.json") == "{}\n");
    CHECK_FALSE(std::filesystem::exists(dir / "config.json.tmp"));
}

TEST_CASE("a file written over a loose one, or a loose temporary file, ends up 0600", "[files]")
{
    UmaskFor umask_022(022);
    TempDir temp;
    write_file(temp.path() / "shot.png", "old"); // 0644, as an older version wrote it
    write_file(temp.path() / "shot.png.tmp", "left over by a crash");
    REQUIRE(permission_bits(temp.path() / "shot.png") == 0644);
    REQUIRE(files::write_private_file(temp.path() / "shot.png", "new", files::Durability::not_synced));
    CHECK(permission_bits(temp.path() / "shot.png") == 0600);
    CHECK(read_all(temp.path() / "shot.png") == "new");
}

TEST_CASE("an existing screenshots folder is left as it is, a data folder is tightened and links are untouched", "[files]")
{
    UmaskFor umask_022(022);
    TempDir temp;
    // A folder the user shares on purpose keeps its mode.
    const auto shared = temp.path() / "shared";
    std::filesystem::create_directories(shared);
    REQUIRE(files::make_private_directory(shared));
    CHECK(permission_bits(shared) == 0755);

    // What an older version left: everything readable to others, one level down too.
    const auto data = temp.path() / "data";
    std::filesystem::create_directories(data / "tls");
    write_file(data / "feedback.db", "");
    write_file(data / "tls" / "server.key", "");
    std::filesystem::permissions(data / "tls" / "server.key", std::filesystem::perms(0640));
    // A link to a file outside: neither followed nor changed.
    write_file(temp.path() / "outside.txt", "");
    std::filesystem::create_symlink(temp.path() / "outside.txt", data / "link");
    std::filesystem::create_directory_symlink(shared, data / "link-to-folder");

    REQUIRE(files::tighten_private_directory(data));
    CHECK(permission_bits(data) == 0700);
    CHECK(permission_bits(data / "tls") == 0700);
    CHECK(permission_bits(data / "feedback.db") == 0600);
    CHECK(permission_bits(data / "tls" / "server.key") == 0600);
    CHECK(permission_bits(temp.path() / "outside.txt") == 0644);
    CHECK(permission_bits(shared) == 0755);
}

TEST_CASE("a private folder that cannot be made is an error that names it", "[files]")
{
    TempDir temp;
    write_file(temp.path() / "a-file", "");
    auto made = files::make_private_directory(temp.path() / "a-file" / "data");
    REQUIRE_FALSE(made);
    CHECK(made.error().kind == ErrorKind::io);
    CHECK(made.error().message.find("a-file") != std::string::npos);
    auto written = files::write_private_file(temp.path() / "missing" / "x.json", "{}", files::Durability::synced);
    REQUIRE_FALSE(written);
    CHECK(written.error().message.find("x.json.tmp") != std::string::npos);
}
